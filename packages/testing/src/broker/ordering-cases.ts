import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import type { BrokerCaseTable } from './broker-cases.js';
import { bodyText, textMessage } from './test-messages.js';

const EMPTY = { ready: 0, inFlight: 0, delayed: 0, dead: 0 };
const DELAY_MS = 400;

/** When and in which order messages come out: delays and priorities (ARCHITECTURE §3.6, §3.7). */
export const orderingCases: BrokerCaseTable<'delayed-delivery' | 'priority-order' | 'priority-unsupported' | 'fifo-within-priority'> = {
  'delayed-delivery': {
    title: `holds a message published with deliverAt ${DELAY_MS} ms ahead as delayed, and delivers it no earlier than that`,
    async run(h, skip) {
      const broker = await h.broker();
      if (broker.capabilities.delayedDelivery === false) return skip('capabilities.delayedDelivery is false');
      const queue = h.queue(broker, 'delayed');
      const deliverAt = Date.now() + DELAY_MS;
      await broker.publish(textMessage('later'), { queue, deliverAt });
      const recorder = await h.consumeAndAck(broker, [queue]);
      expect(await broker.stats(queue)).toEqual({ ...EMPTY, delayed: 1 });

      await recorder.waitForCount(1, DELAY_MS + h.timings.delayToleranceMs + h.timings.settleTimeoutMs);
      const receivedAt = recorder.receivedAt[0] ?? 0;
      expect(receivedAt, 'delivered before deliverAt').toBeGreaterThanOrEqual(deliverAt);
      expect(receivedAt - deliverAt, 'delivered later than delayToleranceMs after deliverAt').toBeLessThanOrEqual(h.timings.delayToleranceMs);
      expect(bodyText(recorder.delivery(0))).toBe('later');
      await h.expectStats(broker, queue, EMPTY);
    },
  },

  'priority-order': {
    title: 'delivers higher priorities first when capabilities.priority is set',
    async run(h, skip) {
      const broker = await h.broker();
      const { priority } = broker.capabilities;
      if (priority === false) return skip('capabilities.priority is false');
      if (priority.levels < 2) return skip(`capabilities.priority has ${priority.levels} level`);
      const queue = h.queue(broker, 'priority');
      // 0 and 255 land in the lowest and highest level whatever the adapter's level count.
      const published: [string, number][] = [
        ['low-1', 0],
        ['high-1', 255],
        ['low-2', 0],
        ['high-2', 255],
        ['low-3', 0],
      ];
      for (const [text, level] of published) await broker.publish(textMessage(text), { queue, priority: level });
      const recorder = await h.consumeAndAck(broker, [queue]);
      await recorder.waitForCount(published.length);
      expect(recorder.deliveries.map(bodyText)).toEqual(['high-1', 'high-2', 'low-1', 'low-2', 'low-3']);
    },
  },

  'priority-unsupported': {
    title: 'rejects publishing with a priority with UnsupportedError when capabilities.priority is false',
    async run(h, skip) {
      const broker = await h.broker();
      if (broker.capabilities.priority !== false) return skip('capabilities.priority is set');
      const queue = h.queue(broker, 'no-priority');
      await expectTqError(() => broker.publish(textMessage('urgent'), { queue, priority: 9 }), 'TQ_UNSUPPORTED');
      expect(await broker.stats(queue)).toEqual(EMPTY);
    },
  },

  'fifo-within-priority': {
    title: 'delivers messages of one priority in publish order',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'fifo');
      const texts = Array.from({ length: 10 }, (_, i) => `m${i}`);
      for (const text of texts) await broker.publish(textMessage(text), { queue });
      const recorder = await h.consumeAndAck(broker, [queue]);
      await recorder.waitForCount(texts.length);
      expect(recorder.deliveries.map(bodyText)).toEqual(texts);
    },
  },
};
