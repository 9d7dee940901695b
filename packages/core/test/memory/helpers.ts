import type { BrokerMessage, Delivery } from '../../src/contracts/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let counter = 0;

/** A namespace no other test uses, so the process-wide memory stores never leak between tests. */
export function freshNamespace(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}`;
}

export function textMessage(text: string, extra: Partial<BrokerMessage> = {}): BrokerMessage {
  return {
    body: encoder.encode(text),
    contentType: 'text/plain',
    contentEncoding: 'utf-8',
    headers: { task: 'tests.memory' },
    properties: {},
    ...extra,
  };
}

export function bodyText(delivery: Delivery): string {
  return decoder.decode(delivery.message.body);
}

/** Let queued microtasks (where the memory broker dispatches) run. */
export async function flushMicrotasks(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Let one macrotask turn pass (setImmediate), after all microtasks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
