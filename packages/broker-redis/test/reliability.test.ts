import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();

describe.runIf(up)('redis broker under connection loss', () => {
  let ns: TestNamespace;
  afterEach(async () => ns.cleanup());

  it('loses nothing when its blocking and command connections are killed mid-run (CLIENT KILL)', async () => {
    ns = new TestNamespace();
    const producer = ns.broker();
    const consumerBroker = ns.broker({ lease: { leaseMs: 1_500 } });
    const total = 300;
    const seen = new Set<string>();
    const errors: Error[] = [];
    await consumerBroker.consume(
      ['atomic'],
      (delivery: Delivery) => {
        seen.add(bodyText(delivery));
        setTimeout(() => void delivery.ack().catch((error: Error) => errors.push(error)), Math.random() * 3);
      },
      { prefetch: 10, onError: (error) => errors.push(error) },
    );
    let killed = 0;
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: total / 10 }, (_, i) => producer.publish(textMessage(`m${batch * 30 + i}`), { queue: 'atomic' })));
      // Alternate between the blocking waiters only and every connection of the namespace.
      killed += await ns.kill(batch % 2 === 0 ? 'wait' : 'all');
      await sleep(20);
    }
    await waitUntil(() => seen.size === total, 15_000, { description: `all ${total} messages (got ${seen.size})` });
    await waitUntil(async () => (await producer.stats('atomic')).inFlight === 0, 10_000);
    expect(killed).toBeGreaterThan(0);
    expect(await producer.stats('atomic')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  }, 40_000);

  it('resumes consuming by itself after every connection of the broker is killed', async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    const received: Delivery[] = [];
    const errors: Error[] = [];
    await broker.consume(['resume'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 5, onError: (error) => errors.push(error) });
    await broker.publish(textMessage('before'), { queue: 'resume' });
    await waitUntil(() => received.length === 1);
    // Idle and blocked: every connection goes at once.
    await waitUntil(async () => (await ns.connectionIds('wait')).length > 0);
    expect(await ns.kill('all')).toBeGreaterThan(1);
    await sleep(100);
    const publisher = ns.broker();
    await publisher.publish(textMessage('after'), { queue: 'resume' });
    await waitUntil(() => received.length === 2, 10_000);
    expect(received.map(bodyText)).toEqual(['before', 'after']);
    // The blocking waiter reported the outage; nothing threw.
    expect(errors.length).toBeGreaterThan(0);
    await waitUntil(async () => (await broker.stats('resume')).inFlight === 0);
  });

  it('does not hang close() while its connections are blocked', async () => {
    ns = new TestNamespace();
    const broker = ns.broker({ consume: { blockTimeoutMs: 60_000 } });
    await broker.consume(['idle'], () => undefined, { prefetch: 1 });
    await waitUntil(async () => (await ns.connectionIds('wait')).length > 0);
    const started = Date.now();
    await broker.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitUntil(async () => (await ns.connectionIds('all')).length === 0);
  });
});
