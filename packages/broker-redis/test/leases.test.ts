import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { simulateRedisConsumerLoss } from '../src/index.js';
import { redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();
const LEASE_MS = 600;

describe.runIf(up)('redis broker leases', () => {
  let ns: TestNamespace;
  afterEach(async () => ns.cleanup());

  it('keeps a long task in flight on its live consumer past several lease periods, never handing it to another', async () => {
    ns = new TestNamespace();
    const holder = ns.broker({ lease: { leaseMs: LEASE_MS } });
    const other = ns.broker({ lease: { leaseMs: LEASE_MS } });
    await holder.publish(textMessage('an hour-long task'), { queue: 'long' });
    const held: Delivery[] = [];
    await holder.consume(['long'], (delivery) => held.push(delivery), { prefetch: 1 });
    await waitUntil(() => held.length === 1);
    const stolen: Delivery[] = [];
    await other.consume(['long'], (delivery) => stolen.push(delivery), { prefetch: 1 });

    // Four lease periods: without renewal the reapers (both consumers run one) would give it back.
    await sleep(4 * LEASE_MS);
    expect(stolen).toHaveLength(0);
    expect(await holder.stats('long')).toEqual({ ready: 0, inFlight: 1, delayed: 0, dead: 0 });
    await held[0]?.ack();
    expect(await holder.stats('long')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
    expect(held[0]).toMatchObject({ redelivered: false, deliveryCount: 1 });
  });

  it("gives back only the lost consumer's messages, marked redelivered with deliveryCount 2", async () => {
    ns = new TestNamespace();
    const lostBroker = ns.broker({ lease: { leaseMs: LEASE_MS } });
    const liveBroker = ns.broker({ lease: { leaseMs: LEASE_MS } });
    const rescueBroker = ns.broker({ lease: { leaseMs: LEASE_MS } });
    for (const text of ['a1', 'a2', 'b1', 'b2']) await lostBroker.publish(textMessage(text), { queue: 'loss' });

    const lostDeliveries: Delivery[] = [];
    const lost = await lostBroker.consume(['loss'], (delivery) => lostDeliveries.push(delivery), { prefetch: 2 });
    await waitUntil(() => lostDeliveries.length === 2);
    const liveDeliveries: Delivery[] = [];
    await liveBroker.consume(['loss'], (delivery) => liveDeliveries.push(delivery), { prefetch: 2 });
    await waitUntil(() => liveDeliveries.length === 2);

    simulateRedisConsumerLoss(lost);
    const rescued: Delivery[] = [];
    await rescueBroker.consume(['loss'], (delivery) => rescued.push(delivery), { prefetch: 10 });
    await waitUntil(() => rescued.length === 2, 5 * LEASE_MS);
    await sleep(2 * LEASE_MS);

    expect(rescued.map(bodyText).sort()).toEqual(lostDeliveries.map(bodyText).sort());
    for (const delivery of rescued) expect(delivery).toMatchObject({ redelivered: true, deliveryCount: 2 });
    // The live consumer's two stayed with it the whole time.
    expect(await liveBroker.stats('loss')).toMatchObject({ ready: 0, inFlight: 4 });
    for (const delivery of [...rescued, ...liveDeliveries]) await delivery.ack();
    // Settling on the lost consumer does nothing: its messages now belong to the rescuer.
    for (const delivery of lostDeliveries) await delivery.nack({ requeue: true });
    expect(await liveBroker.stats('loss')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  });

  it('returns unsettled messages on cancel counted as delivered, and the count keeps growing on each return', async () => {
    ns = new TestNamespace();
    const broker = ns.broker({ lease: { leaseMs: LEASE_MS } });
    await broker.publish(textMessage('bounce'), { queue: 'bounce' });
    const counts: number[] = [];
    for (let round = 0; round < 3; round++) {
      const received: Delivery[] = [];
      const consumer = await broker.consume(['bounce'], (delivery) => received.push(delivery), { prefetch: 1 });
      await waitUntil(() => received.length === 1);
      counts.push(received[0]?.deliveryCount ?? 0);
      if (round === 1) {
        // Cancel first, so the nacked message is not taken again by this same consumer.
        const cancelled = consumer.cancel({ deadlineMs: 5_000 });
        await received[0]?.nack({ requeue: true });
        await cancelled;
      } else await consumer.cancel();
    }
    expect(counts).toEqual([1, 2, 3]);
    expect(await broker.stats('bounce')).toEqual({ ready: 1, inFlight: 0, delayed: 0, dead: 0 });
  });
});
