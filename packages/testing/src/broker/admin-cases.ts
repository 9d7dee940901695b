import type { BrokerMessage } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import type { BrokerCaseTable } from './broker-cases.js';
import { textMessage } from './test-messages.js';

const EMPTY = { ready: 0, inFlight: 0, delayed: 0, dead: 0 };
const FAR_AHEAD_MS = 60_000;

/** Introspection, fidelity and lifecycle (ARCHITECTURE §3.9, §3.10, §2). */
export const adminCases: BrokerCaseTable<'stats' | 'purge' | 'round-trip' | 'closed'> = {
  stats: {
    title: 'reports ready, inFlight, delayed and dead counts as messages move',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'stats');
      const delays = broker.capabilities.delayedDelivery !== false;
      const dead = broker.capabilities.deadLetter ? 1 : 0;
      const delayed = delays ? 1 : 0;
      for (const text of ['a', 'b', 'c']) await broker.publish(textMessage(text), { queue });
      if (delays) await broker.publish(textMessage('later'), { queue, deliverAt: Date.now() + FAR_AHEAD_MS });
      await h.expectStats(broker, queue, { ready: 3, inFlight: 0, delayed, dead: 0 });

      const recorder = await h.consume(broker, [queue], 1);
      await recorder.waitForCount(1);
      await h.expectStats(broker, queue, { ready: 2, inFlight: 1, delayed, dead: 0 });
      await recorder.delivery(0).reject({ code: 'rejected', message: 'conformance: stats' });
      await recorder.waitForCount(2);
      await h.expectStats(broker, queue, { ready: 1, inFlight: 1, delayed, dead });
      await recorder.delivery(1).ack();
      await recorder.waitForCount(3);
      await recorder.delivery(2).ack();
      await h.expectStats(broker, queue, { ready: 0, inFlight: 0, delayed, dead });
    },
  },

  purge: {
    title: 'purges ready and delayed messages and returns how many it removed',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'purge');
      const delays = broker.capabilities.delayedDelivery !== false;
      for (const text of ['a', 'b', 'c']) await broker.publish(textMessage(text), { queue });
      if (delays) await broker.publish(textMessage('later'), { queue, deliverAt: Date.now() + FAR_AHEAD_MS });
      await h.expectStats(broker, queue, { ...EMPTY, ready: 3, delayed: delays ? 1 : 0 });
      expect(await broker.purge(queue)).toBe(delays ? 4 : 3);
      await h.expectStats(broker, queue, EMPTY);
      expect(await broker.purge(queue)).toBe(0);
    },
  },

  'round-trip': {
    title: 'round-trips body bytes, headers (nested and unknown ones), properties, contentType and contentEncoding',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'round-trip');
      const id = '0b4f3d4e-1c1a-4a57-9a3e-2f4b1f6f9c10';
      const sent: BrokerMessage = {
        // Every byte value, so encodings that mangle binary (utf-8 round trips, base64 slips) show.
        body: Uint8Array.from({ length: 256 }, (_, i) => i),
        contentType: 'application/x-tq-conformance',
        contentEncoding: 'binary',
        headers: {
          lang: 'py',
          task: 'tests.add',
          id,
          eta: null,
          retries: 3,
          timelimit: [30, null],
          ignore_result: false,
          argsrepr: '(2, 3)',
          nested: { list: [1, 'two', { three: true }], empty: {}, deep: { deeper: { deepest: 'yes' } } },
          'x-unknown-header': 'kept as is',
          unicode: 'héllo ✓ 任务',
        },
        properties: { correlationId: id, replyTo: 'reply-queue', deliveryMode: 2, custom_property: 'kept' },
      };
      await broker.publish(sent, { queue });
      const recorder = await h.consumeAndAck(broker, [queue]);
      await recorder.waitForCount(1);
      const received = recorder.delivery(0).message;
      expect(Array.from(received.body)).toEqual(Array.from(sent.body));
      expect(received.contentType).toBe(sent.contentType);
      expect(received.contentEncoding).toBe(sent.contentEncoding);
      // Adapters may add headers and properties of their own; every one sent must come back unchanged.
      for (const [key, value] of Object.entries(sent.headers)) expect(received.headers[key], `header ${key}`).toEqual(value);
      for (const [key, value] of Object.entries(sent.properties)) expect(received.properties[key], `property ${key}`).toEqual(value);
    },
  },

  closed: {
    title: 'rejects publish and consume with ClosedError after close (and a second close is harmless)',
    async run(h) {
      const broker = await h.broker();
      const queue = h.queue(broker, 'closed');
      await broker.close();
      await broker.close();
      await expectTqError(() => broker.publish(textMessage('too late'), { queue }), 'TQ_CLOSED');
      await expectTqError(() => broker.consume([queue], () => undefined, { prefetch: 1 }), 'TQ_CLOSED');
    },
  },
};
