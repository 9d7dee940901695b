import { expect } from 'vitest';
import { sleep } from '../wait-until.js';
import type { BrokerCaseTable } from './broker-cases.js';
import { bodyText, textMessage } from './test-messages.js';

const EMPTY = { ready: 0, inFlight: 0, delayed: 0, dead: 0 };

/** Publish durability and at-least-once settlement (ARCHITECTURE §3.1–3.3). */
export const deliveryCases: BrokerCaseTable<
  | 'publish-then-ready'
  | 'unacked-not-lost'
  | 'nack-requeue'
  | 'nack-without-requeue'
  | 'reject-dead-letter'
  | 'settle-twice'
  | 'consumer-loss-redelivery'
> = {
  'publish-then-ready': {
    title: 'has the message stored once publish resolves (another instance sees it ready)',
    async run(h) {
      const producer = await h.broker();
      const queue = h.queue(producer, 'publish');
      await producer.publish(textMessage('durable'), { queue });
      // Read through a second instance: a message only buffered in the producer's client would not show.
      const observer = await h.broker();
      expect(await observer.stats(queue)).toEqual({ ...EMPTY, ready: 1 });
    },
  },

  'unacked-not-lost': {
    title: 'keeps an unacked message: after cancel it comes back redelivered with deliveryCount 2',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'at-least-once');
      await broker.publish(textMessage('keep me'), { queue });
      const first = await h.consume(broker, [queue], 1);
      await first.waitForCount(1);
      expect(first.delivery(0)).toMatchObject({ redelivered: false, deliveryCount: 1, queue });
      await first.consumer?.cancel({ deadlineMs: 0 });

      const second = await h.consume(broker, [queue], 1);
      await second.waitForCount(1);
      const again = second.delivery(0);
      expect(bodyText(again)).toBe('keep me');
      expect(again).toMatchObject({ redelivered: true, deliveryCount: 2 });
      await again.ack();
      await h.expectStats(broker, queue, EMPTY);
    },
  },

  'nack-requeue': {
    title: 'requeues a nacked message, delivered again marked redelivered with deliveryCount 2',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'nack');
      await broker.publish(textMessage('again'), { queue });
      const recorder = await h.consume(broker, [queue], 1);
      await recorder.waitForCount(1);
      await recorder.delivery(0).nack();
      await recorder.waitForCount(2);
      const redelivery = recorder.delivery(1);
      expect(bodyText(redelivery)).toBe('again');
      expect(redelivery).toMatchObject({ redelivered: true, deliveryCount: 2 });
      await redelivery.ack();
      await h.expectStats(broker, queue, EMPTY);
    },
  },

  'nack-without-requeue': {
    title: 'dead-letters a message nacked with requeue: false instead of redelivering it',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'nack-dead');
      await broker.publish(textMessage('give up'), { queue });
      const recorder = await h.consume(broker, [queue], 1);
      await recorder.waitForCount(1);
      await recorder.delivery(0).nack({ requeue: false });
      const deadLetter = broker.capabilities.deadLetter;
      await h.expectStats(broker, queue, { ...EMPTY, dead: deadLetter ? 1 : 0 });
      if (deadLetter) {
        const [letter] = await broker.deadLetters(queue);
        expect(letter === undefined ? undefined : new TextDecoder().decode(letter.message.body)).toBe('give up');
      }
      await sleep(h.timings.quietPeriodMs);
      expect(recorder.count).toBe(1);
    },
  },

  'reject-dead-letter': {
    title: 'dead-letters a rejected message with its reason and original body',
    async run(h, skip) {
      const broker = await h.broker();
      if (!broker.capabilities.deadLetter) return skip('capabilities.deadLetter is false');
      const queue = h.queue(broker, 'reject');
      const before = Date.now();
      await broker.publish(textMessage('poison'), { queue });
      const recorder = await h.consume(broker, [queue], 1);
      await recorder.waitForCount(1);
      const reason = { code: 'TQ_UNKNOWN_TASK', message: 'Task "tq.conformance" is not registered in this app.' };
      await recorder.delivery(0).reject(reason);
      await h.expectStats(broker, queue, { ...EMPTY, dead: 1 });

      const letters = await broker.deadLetters(queue, { limit: 10 });
      expect(letters).toHaveLength(1);
      const [letter] = letters;
      expect(letter?.reason).toEqual(reason);
      expect(letter?.queue).toBe(queue);
      expect(letter === undefined ? undefined : new TextDecoder().decode(letter.message.body)).toBe('poison');
      expect(letter?.deadAt).toBeGreaterThanOrEqual(before - 60_000);
      expect(letter?.deadAt).toBeLessThanOrEqual(Date.now() + 60_000);
    },
  },

  'settle-twice': {
    title: 'treats a second settle of the same delivery as a no-op',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'settle-twice');
      await broker.publish(textMessage('once'), { queue });
      const recorder = await h.consume(broker, [queue], 1);
      await recorder.waitForCount(1);
      const delivery = recorder.delivery(0);
      await delivery.ack();
      await delivery.ack();
      await delivery.nack({ requeue: true });
      await h.expectStats(broker, queue, EMPTY);
      await sleep(h.timings.quietPeriodMs);
      expect(recorder.count).toBe(1);
    },
  },

  'consumer-loss-redelivery': {
    title: "redelivers a lost consumer's unacked message to another consumer, marked redelivered",
    async run(h, skip) {
      const doomed = await h.broker();
      if (!doomed.capabilities.redeliveryOnConsumerLoss) return skip('capabilities.redeliveryOnConsumerLoss is false');
      const queue = h.queue(doomed, 'consumer-loss');
      await doomed.publish(textMessage('survivor'), { queue });
      const lost = await h.consume(doomed, [queue], 1);
      await lost.waitForCount(1);
      if (lost.consumer === undefined) throw new Error('consume() returned no consumer');
      await h.options.simulateConsumerLoss(doomed, lost.consumer);

      // Another process picks it up: a separate instance, since losing a consumer may take its connection.
      const rescuer = await h.broker();
      const rescue = await h.consume(rescuer, [queue], 1);
      await rescue.waitForCount(1, h.timings.redeliveryTimeoutMs);
      const redelivery = rescue.delivery(0);
      expect(bodyText(redelivery)).toBe('survivor');
      expect(redelivery).toMatchObject({ redelivered: true, deliveryCount: 2 });
      await redelivery.ack();
      await h.expectStats(rescuer, queue, EMPTY);
      expect(lost.count).toBe(1);
    },
  },
};
