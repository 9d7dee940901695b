import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { simulateRedisConsumerLoss } from '../src/index.js';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();
const LEASE_MS = 400;

/** Issue 13, defect 2: a message whose consumer keeps dying is not redelivered forever. */
describe.runIf(up)('redis broker delivery limit', () => {
  let ns: TestNamespace;
  afterEach(async () => ns.cleanup());

  it('dead-letters a message whose consumer is lost past deliveryLimit, with TQ_DELIVERY_LIMIT and its count, and never delivers it again', async () => {
    ns = new TestNamespace();
    const limit = 3;
    const broker = ns.broker({ lease: { leaseMs: LEASE_MS }, deliveryLimit: limit });
    await broker.publish(textMessage('poison'), { queue: 'limit' });
    await broker.publish(textMessage('healthy'), { queue: 'limit' });

    const counts: number[] = [];
    // One consumer more than the limit: each takes the message, then dies without settling it.
    for (let round = 0; round <= limit; round++) {
      const received: Delivery[] = [];
      const consumer = await broker.consume(['limit'], (delivery) => (bodyText(delivery) === 'healthy' ? void delivery.ack() : received.push(delivery)), { prefetch: 1 });
      await waitUntil(async () => received.length === 1 || (await broker.stats('limit')).dead === 1, 10 * LEASE_MS);
      if (received.length === 0) {
        await consumer.cancel();
        break;
      }
      counts.push(received[0]?.deliveryCount ?? 0);
      simulateRedisConsumerLoss(consumer);
    }

    expect(counts).toEqual([1, 2, 3]);
    const [dead, ...others] = await broker.deadLetters('limit');
    expect(others).toHaveLength(0);
    expect(dead && bodyText(dead)).toBe('poison');
    expect(dead?.reason.code).toBe('TQ_DELIVERY_LIMIT');
    expect(dead?.reason.message).toContain('Delivered 3 times');
    expect(dead?.message.headers.id).toBe('poison');
    expect(await broker.stats('limit')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 1 });
  });

  it('counts requeues too: a message nacked with requeue is dead-lettered after ?delivery_limit= deliveries', async () => {
    ns = new TestNamespace();
    const broker = ns.broker({ url: `${REDIS_URL}?delivery_limit=2` });
    await broker.publish(textMessage('bounced'), { queue: 'requeued' });
    const received: Delivery[] = [];
    await broker.consume(['requeued'], (delivery) => {
      received.push(delivery);
      void delivery.nack({ requeue: true });
    }, { prefetch: 1 });
    await waitUntil(async () => (await broker.stats('requeued')).dead === 1);
    await sleep(200);
    expect(received.map((delivery) => delivery.deliveryCount)).toEqual([1, 2]);
    const [dead] = await broker.deadLetters('requeued');
    expect(dead?.reason).toMatchObject({ code: 'TQ_DELIVERY_LIMIT', message: expect.stringContaining('Delivered 2 times') });
  });

  it('rejects a deliveryLimit that is not a positive integer, naming the option', () => {
    ns = new TestNamespace();
    expect(() => ns.broker({ deliveryLimit: 0 })).toThrow(/deliveryLimit/);
    expect(() => ns.broker({ url: `${REDIS_URL}?delivery_limit=ten` })).toThrow(/delivery_limit "ten"/);
  });
});
