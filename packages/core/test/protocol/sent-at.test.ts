import { describe, expect, it } from 'vitest';
import { createApp, createInvocation, decodeTaskMessage, dueSince, SENT_AT_HEADER, SerializerRegistry, jsonSerializer } from '../../src/index.js';
import { createMemoryBroker } from '../../src/memory/index.js';

/** The first waiting call of the default queue, decoded as a worker decodes it. */
async function firstInvocation(broker: ReturnType<typeof createMemoryBroker>) {
  const taken: Parameters<Parameters<typeof broker.consume>[1]>[0][] = [];
  const consumer = await broker.consume(['celery'], (delivery) => void taken.push(delivery), { prefetch: 1 });
  while (taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await consumer.cancel();
  return decodeTaskMessage(taken[0]!.message, new SerializerRegistry([jsonSerializer]));
}

describe('the send time a producer stamps (tq_sent_at), for the queue-wait metric', () => {
  it('app.send stamps the producer clock in epoch seconds, and a worker reads it back from the wire', async () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0, 250);
    const broker = createMemoryBroker({ namespace: `sent-at-${now}` });
    const app = createApp({ broker, backend: null, clock: { now: () => now } });
    await app.sendTask('tasks.add', [1, 2]);
    const invocation = await firstInvocation(broker);
    expect(invocation.extraHeaders[SENT_AT_HEADER]).toBe(now / 1_000);
    expect(dueSince(invocation)).toBe(now);
    await app.close();
  });

  it('counts from the eta when the call was due later than it was sent (a countdown, a retry)', () => {
    const sent = 1_000_000;
    expect(dueSince(createInvocation({ id: 'a', task: 't', eta: sent + 5_000, extraHeaders: { [SENT_AT_HEADER]: sent / 1_000 } }))).toBe(sent + 5_000);
    expect(dueSince(createInvocation({ id: 'a', task: 't', eta: sent - 5_000, extraHeaders: { [SENT_AT_HEADER]: sent / 1_000 } }))).toBe(sent);
  });

  it('has no answer for a message without the header (Python Celery) or with a malformed one', () => {
    expect(dueSince(createInvocation({ id: 'a', task: 't' }))).toBeUndefined();
    expect(dueSince(createInvocation({ id: 'a', task: 't', extraHeaders: { [SENT_AT_HEADER]: 'yesterday' } }))).toBeUndefined();
  });

  it('lets a caller set the header itself (a relay keeping the original send time)', async () => {
    const broker = createMemoryBroker({ namespace: `sent-at-own-${Date.now()}` });
    const app = createApp({ broker, backend: null });
    await app.sendTask('tasks.add', [1, 2], { headers: { [SENT_AT_HEADER]: 42 } });
    expect((await firstInvocation(broker)).extraHeaders[SENT_AT_HEADER]).toBe(42);
    await app.close();
  });
});
