import type { Delivery } from '@tq/core';
import { expect } from 'vitest';
import { sleep } from '../wait-until.js';
import type { BrokerCaseTable } from './broker-cases.js';
import { bodyText, textMessage } from './test-messages.js';

const EMPTY = { ready: 0, inFlight: 0, delayed: 0, dead: 0 };

/** How deliveries flow to consumers: prefetch, cancel, several queues (ARCHITECTURE §3.5, §3.9). */
export const flowCases: BrokerCaseTable<'prefetch-bound' | 'cancel-returns-unsettled' | 'cancel-waits-for-settlement' | 'multiple-queues'> = {
  'prefetch-bound': {
    title: 'never has more than prefetch unsettled deliveries per consumer, and delivers them all as they are acked',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'prefetch');
      for (let i = 0; i < 20; i++) await broker.publish(textMessage(`m${i}`), { queue });

      let outstanding = 0;
      let mostOutstanding = 0;
      let releasing = false;
      const held: Delivery[] = [];
      const settle = (delivery: Delivery): void => {
        // Count it settled before acking: the broker may hand out the next one as soon as it sees the ack.
        outstanding -= 1;
        void delivery.ack();
      };
      const recorder = await h.consume(broker, [queue], 5, (delivery) => {
        outstanding += 1;
        mostOutstanding = Math.max(mostOutstanding, outstanding);
        if (releasing) setTimeout(() => settle(delivery), Math.floor(Math.random() * 3));
        else held.push(delivery);
      });

      // Nothing acked: the consumer fills up to its prefetch and stops there.
      await recorder.waitForCount(5);
      await sleep(h.timings.quietPeriodMs);
      expect(recorder.count).toBe(5);
      expect(recorder.consumer?.unsettled).toBe(5);

      releasing = true;
      for (const delivery of held.splice(0)) settle(delivery);
      await recorder.waitForCount(20);
      await h.expectStats(broker, queue, EMPTY);
      expect(mostOutstanding).toBeLessThanOrEqual(5);
      expect(new Set(recorder.deliveries.map(bodyText)).size).toBe(20);
    },
  },

  'cancel-returns-unsettled': {
    title: 'returns prefetched-but-unsettled messages to the queue on cancel, for another consumer',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'cancel-return');
      for (const text of ['a', 'b', 'c']) await broker.publish(textMessage(text), { queue });
      const first = await h.consume(broker, [queue], 3);
      await first.waitForCount(3);
      const acked = first.delivery(0);
      await acked.ack();
      await first.consumer?.cancel({ deadlineMs: 50 });
      await h.expectStats(broker, queue, { ...EMPTY, ready: 2 });

      const second = await h.consumeAndAck(broker, [queue]);
      await second.waitForCount(2);
      const unacked = first.deliveries.slice(1).map(bodyText).sort();
      expect(second.deliveries.map(bodyText).sort()).toEqual(unacked);
      expect(second.deliveries.every((delivery) => delivery.redelivered)).toBe(true);
      await h.expectStats(broker, queue, EMPTY);
    },
  },

  'cancel-waits-for-settlement': {
    title: 'stops delivering on cancel and waits up to the deadline for unsettled deliveries to be settled',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'cancel-wait');
      for (const text of ['a', 'b']) await broker.publish(textMessage(text), { queue });
      const recorder = await h.consume(broker, [queue], 2);
      await recorder.waitForCount(2);

      const deadlineMs = h.timings.settleTimeoutMs;
      const started = Date.now();
      const cancelled = recorder.consumer?.cancel({ deadlineMs });
      // Published after cancel began: must stay for another consumer.
      await broker.publish(textMessage('late'), { queue });
      await sleep(20);
      for (const delivery of recorder.deliveries) await delivery.ack();
      await cancelled;
      // Resolved by the acks, not by running out the deadline.
      expect(Date.now() - started).toBeLessThan(deadlineMs / 2);
      expect(recorder.count).toBe(2);
      await h.expectStats(broker, queue, { ...EMPTY, ready: 1 });
    },
  },

  'multiple-queues': {
    title: 'consumes several queues on one consumer, taking turns so neither starves',
    async run(h) {
      const broker = await h.broker();
      const alpha = h.queue(broker, 'alpha');
      const beta = h.queue(broker, 'beta');
      for (let i = 0; i < 4; i++) {
        await broker.publish(textMessage(`alpha-${i}`), { queue: alpha });
        await broker.publish(textMessage(`beta-${i}`), { queue: beta });
      }
      const recorder = await h.consumeAndAck(broker, [alpha, beta]);
      await recorder.waitForCount(8);
      for (const delivery of recorder.deliveries) {
        expect(delivery.queue).toBe(bodyText(delivery).startsWith('alpha') ? alpha : beta);
      }
      // Both queues hold 4 ready messages; a consumer that drained one queue first would show 4 of a kind.
      const firstFour = new Set(recorder.deliveries.slice(0, 4).map((delivery) => delivery.queue));
      expect(firstFour).toEqual(new Set([alpha, beta]));
      await h.expectStats(broker, alpha, EMPTY);
      await h.expectStats(broker, beta, EMPTY);
    },
  },
};
