import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Broker, BrokerMessage, Delivery, QueueStats } from '@tq/core';
import { waitUntil } from '@tq/testing';
import { createSqsBroker, type SqsBrokerOptions } from '../src/index.js';
import { type SqsEmulator, startSqsEmulator, useEmulatorCredentials } from '../scripts/sqs-emulator.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Short enough that a lost consumer's message comes back within a test, long enough for a loaded CI box. */
export const TEST_VISIBILITY_SECONDS = 2;

/**
 * One test file's emulator (its own loopback port) plus helpers that build brokers in a random
 * queue prefix, so no two tests share a queue.
 */
export class SqsTestEnv {
  private readonly brokers: Broker[] = [];
  private constructor(
    readonly emulator: SqsEmulator,
    readonly client: SQSClient,
  ) {}

  static async start(): Promise<SqsTestEnv> {
    useEmulatorCredentials();
    const emulator = await startSqsEmulator();
    return new SqsTestEnv(emulator, new SQSClient({ endpoint: emulator.endpoint }));
  }

  /** A fresh queue prefix: every queue of one test lives under it. */
  static prefix(): string {
    return `t${randomBytes(4).toString('hex')}-`;
  }

  broker(options: SqsBrokerOptions = {}): Broker {
    const broker = createSqsBroker({
      endpoint: this.emulator.endpoint,
      queuePrefix: SqsTestEnv.prefix(),
      lease: { visibilityTimeoutSeconds: TEST_VISIBILITY_SECONDS },
      receive: { waitTimeSeconds: 1 },
      ...options,
    });
    this.brokers.push(broker);
    return broker;
  }

  async createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return QueueUrl as string;
  }

  async stop(): Promise<void> {
    for (const broker of this.brokers) await broker.close().catch(() => undefined);
    this.client.destroy();
    await this.emulator.close();
  }
}

/** Start a private emulator for this test file (before all its tests) and stop it after; call the result for the env. */
export function useSqsTestEnv(): () => SqsTestEnv {
  let env: SqsTestEnv | undefined;
  beforeAll(async () => {
    env = await SqsTestEnv.start();
  });
  afterAll(async () => env?.stop());
  return () => {
    if (env === undefined) throw new Error('useSqsTestEnv(): the emulator starts in beforeAll; use it inside tests.');
    return env;
  };
}

export function textMessage(text: string, headers: Record<string, string> = {}): BrokerMessage {
  return { body: encoder.encode(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: { id: text, task: 'tests.text', ...headers }, properties: { correlationId: text } };
}

export function bodyText(delivery: Pick<Delivery, 'message'>): string {
  return decoder.decode(delivery.message.body);
}

/**
 * Wait for the queue's counts to reach `expected`, then assert them (a timeout shows the diff). SQS
 * counts are approximate and lag; the emulator also counts a just-sent message as delayed for ~1 ms.
 */
export async function expectStatsSoon(broker: Broker, queue: string, expected: Partial<QueueStats>): Promise<void> {
  let last: QueueStats | undefined;
  const matches = (stats: QueueStats): boolean => Object.entries(expected).every(([key, value]) => stats[key as keyof QueueStats] === value);
  await waitUntil(async () => matches((last = await broker.stats(queue))), 5_000, { intervalMs: 20 }).catch(() => undefined);
  expect(last).toMatchObject(expected);
}
