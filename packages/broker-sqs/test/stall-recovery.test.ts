import { describe, expect, it } from 'vitest';
import type { Delivery } from '@tq/core';
import { sleep, waitUntil } from '@tq/testing';
import { StallingProxy } from './stalling-proxy.js';
import { SqsTestEnv, bodyText, textMessage, useSqsTestEnv } from './sqs-test-env.js';

const env = useSqsTestEnv();

describe('a receive that never answers (half-open connection)', () => {
  it('is abandoned after receive.requestTimeoutMs, reported, and consumption resumes by itself', async () => {
    const proxy = await StallingProxy.start(env().emulator.port);
    try {
      const prefix = SqsTestEnv.prefix();
      const consumerSide = env().broker({ endpoint: proxy.endpoint, queuePrefix: prefix, receive: { waitTimeSeconds: 1, requestTimeoutMs: 2_000 } });
      const producer = env().broker({ queuePrefix: prefix });
      const errors: Error[] = [];
      const received: Delivery[] = [];
      const acks: Promise<void>[] = [];
      await consumerSide.consume(['stall'], (delivery) => {
        received.push(delivery);
        acks.push(delivery.ack());
      }, { prefetch: 1, onError: (error) => errors.push(error) });
      await producer.publish(textMessage('before'), { queue: 'stall' });
      await waitUntil(() => received.length === 1, 5_000);
      await acks[0];

      proxy.stall();
      await producer.publish(textMessage('during'), { queue: 'stall' });
      await sleep(2_500);
      expect(received).toHaveLength(1);
      expect(errors.some((error) => /receiving messages failed: .*(timeout|abort)/i.test(error.message))).toBe(true);

      proxy.resume();
      // A message the stalled request took comes back once its visibility timeout (2 s) runs out.
      await waitUntil(() => received.length === 2, 10_000);
      expect(received.map(bodyText)).toEqual(['before', 'during']);
      await Promise.all(acks);
      await consumerSide.close();
    } finally {
      await proxy.stop();
    }
  }, 25_000);
});
