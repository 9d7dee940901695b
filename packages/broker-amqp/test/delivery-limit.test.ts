import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '@tq/testing';
import type { Delivery } from '@tq/core';
import { simulateAmqpConsumerLoss } from '../src/index.js';
import { rabbitIsUp, randomQueue, trackBrokers } from './amqp-test-server.js';
import { message, text } from './test-messages.js';

const up = await rabbitIsUp();
const { broker } = trackBrokers(afterEach);

/**
 * Issue 13, defect 2 on RabbitMQ: a message whose every holder dies before settling it (the
 * ping-pong of two workers that each block and lose it) must not be redelivered forever. Quorum
 * queues count deliveries themselves (`x-delivery-limit`); past the limit RabbitMQ dead-letters it.
 */
describe.runIf(up)('amqp broker: quorum delivery limit', () => {
  it('dead-letters a message two consumers keep losing, after deliveryLimit + 1 deliveries, as TQ_DELIVERY_LIMIT with the count', async () => {
    const options = { queues: { type: 'quorum', deliveryLimit: 3 }, delays: { queueType: 'classic' } } as const;
    const [first, second] = [broker(options), broker(options)];
    const queue = randomQueue('ping-pong');
    await first.publish(message('blocks every worker'), { queue });

    const counts: number[] = [];
    for (let round = 0; round < 4; round++) {
      const holder = round % 2 === 0 ? first : second;
      const received: Delivery[] = [];
      const consumer = await holder.consume([queue], (delivery) => received.push(delivery), { prefetch: 1 });
      await waitUntil(() => received.length === 1, 5_000, { description: `delivery ${round + 1}` });
      counts.push(received[0]!.deliveryCount);
      // Dies holding it, as a worker whose lease or connection went would.
      await simulateAmqpConsumerLoss(consumer);
    }
    expect(counts).toEqual([1, 2, 3, 4]);

    let letters: Awaited<ReturnType<typeof first.deadLetters>> = [];
    await waitUntil(async () => (letters = await first.deadLetters(queue)).length === 1, 10_000, { description: 'the message in the dead letters' });
    expect(letters[0]?.reason.code).toBe('TQ_DELIVERY_LIMIT');
    expect(letters[0]?.reason.message).toMatch(/after 4 deliveries \(quorum x-delivery-limit 3/);
    expect(text(letters[0]!)).toBe('blocks every worker');
    // Reading the dead letters puts them back: RabbitMQ counts the message again once that has landed.
    await waitUntil(async () => (await first.stats(queue)).dead === 1, 5_000, { description: 'the dead letter counted again after the read' });
    expect(await first.stats(queue)).toMatchObject({ ready: 0, dead: 1 });
  });
});
