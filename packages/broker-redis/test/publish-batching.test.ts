import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';
import { TestNamespace, bodyText, textMessage } from './test-namespace.js';

const up = await redisIsUp();

describe.runIf(up)('redis broker: publishes of one event-loop turn', () => {
  let ns: TestNamespace;
  afterEach(async () => ns.cleanup());

  /** LPUSH commands this namespace's clients sent, with how many values each carried (MONITOR). */
  async function pushesDuring(body: () => Promise<unknown>): Promise<number[]> {
    const monitor = await new Redis(REDIS_URL).monitor();
    const pushes: number[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (String(args[0]).toLowerCase() === 'lpush' && String(args[1]).startsWith(ns.keyPrefix)) pushes.push(args.length - 2);
    });
    try {
      await body();
      await new Promise((resolve) => setTimeout(resolve, 100)); // MONITOR lines arrive after the replies
      return pushes;
    } finally {
      monitor.disconnect();
    }
  }

  it('share one LPUSH per list, and are consumed in the order they were published', async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    await broker.connect();
    const count = 1_500;
    const pushes = await pushesDuring(() => Promise.all(Array.from({ length: count }, (_, index) => broker.publish(textMessage(`m${index}`), { queue: 'bulk' }))));
    // At most 1,000 values per LPUSH: 1,500 publishes of one turn are two commands, not 1,500.
    expect(pushes).toEqual([1_000, 500]);

    const received: Delivery[] = [];
    await broker.consume(['bulk'], (delivery) => {
      received.push(delivery);
      void delivery.ack();
    }, { prefetch: 100 });
    await waitUntil(() => received.length === count, 10_000, { description: `${count} deliveries` });
    expect(received.map(bodyText)).toEqual(Array.from({ length: count }, (_, index) => `m${index}`));
  });

  it('sends publishes still collected when the broker is closed', async () => {
    ns = new TestNamespace();
    const broker = ns.broker();
    await broker.connect();
    const published = broker.publish(textMessage('last'), { queue: 'closing' });
    await broker.close();
    await published;
    const reader = ns.broker();
    expect(await reader.stats('closing')).toMatchObject({ ready: 1 });
  });
});
