import { describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import { textMessage, useSqsTestEnv, expectStatsSoon } from './sqs-test-env.js';

const env = useSqsTestEnv();

describe('stats and purge (the parts the emulator models like SQS)', () => {
  it('counts ready, delayed and dead messages of a queue and its dead-letter queue', async () => {
    const broker = env().broker();
    for (const text of ['a', 'b']) await broker.publish(textMessage(text), { queue: 'counted' });
    await broker.publish(textMessage('later'), { queue: 'counted', deliverAt: Date.now() + 60_000 });
    await expectStatsSoon(broker, 'counted', { ready: 2, inFlight: 0, delayed: 1, dead: 0 });
    const consumer = await broker.consume(['counted'], (delivery) => void delivery.reject({ code: 'TQ_TEST', message: 'dead on arrival' }), { prefetch: 2 });
    await waitUntil(async () => (await broker.stats('counted')).dead === 2, 5_000);
    await consumer.cancel();
    expect(await broker.stats('counted')).toEqual({ ready: 0, inFlight: 0, delayed: 1, dead: 2 });
    const letters = await broker.deadLetters('counted', { limit: 1 });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toEqual({ code: 'TQ_TEST', message: 'dead on arrival' });
  });

  it('purges ready messages exactly and returns how many', async () => {
    const broker = env().broker();
    for (let i = 0; i < 23; i++) await broker.publish(textMessage(`m${i}`), { queue: 'purged' });
    expect(await broker.purge('purged')).toBe(23);
    expect(await broker.stats('purged')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
    expect(await broker.purge('purged')).toBe(0);
    expect(await broker.purge('never-created')).toBe(0);
  });
});
