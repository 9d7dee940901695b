import { describe, expect, it } from 'vitest';
import type { Delivery } from '@tq/core';
import { expectTqError, sleep, waitUntil } from '@tq/testing';
import { MAX_VISIBILITY_SECONDS, nextVisibilitySeconds } from '../src/index.js';
import { SqsTestEnv, useSqsTestEnv, bodyText, textMessage } from './sqs-test-env.js';

const env = useSqsTestEnv();

describe('visibility leases', () => {
  it('keeps a task running 3× longer than the visibility timeout from being redelivered: it runs once', async () => {
    const prefix = SqsTestEnv.prefix();
    const visibility = { visibilityTimeoutSeconds: 1, extendEveryMs: 300 };
    const worker = env().broker({ queuePrefix: prefix, lease: visibility });
    const rival = env().broker({ queuePrefix: prefix, lease: visibility });
    await worker.publish(textMessage('long task'), { queue: 'long' });

    const runs: Delivery[] = [];
    const run = (delivery: Delivery): void => void runs.push(delivery);
    await worker.consume(['long'], run, { prefetch: 1 });
    await waitUntil(() => runs.length === 1, 5_000);
    // Another process polls the same queue the whole time the task runs.
    await rival.consume(['long'], run, { prefetch: 1 });
    await sleep(3_000);
    expect(runs).toHaveLength(1);
    expect(await worker.stats('long')).toMatchObject({ inFlight: 1, delayed: 0, dead: 0 });

    await runs[0]?.ack();
    await waitUntil(async () => (await worker.stats('long')).inFlight === 0, 5_000);
    await sleep(1_500);
    expect(runs).toHaveLength(1);
  }, 20_000);

  it('stops extending 12 h after the receive (SQS refuses longer), keeping a margin for clock skew', () => {
    const receivedAt = 1_700_000_000_000;
    expect(nextVisibilitySeconds(receivedAt, receivedAt + 1_000, 30)).toBe(30);
    const nearlyTwelveHours = receivedAt + (MAX_VISIBILITY_SECONDS - 25) * 1000;
    expect(nextVisibilitySeconds(receivedAt, nearlyTwelveHours, 30)).toBe(15);
    expect(nextVisibilitySeconds(receivedAt, receivedAt + MAX_VISIBILITY_SECONDS * 1000, 30)).toBe(0);
  });
});

describe('delays', () => {
  it('re-delays in hops past the longest single SQS delay and delivers no earlier than due', async () => {
    // 1 s hops stand in for SQS's 900 s ones: a 3.2 s delay takes four hops.
    const broker = env().broker({ delays: { maxHopSeconds: 1 } });
    expect(broker.capabilities.delayedDelivery).toEqual({ maxDelayMs: 1_000 });
    const deliverAt = Date.now() + 3_200;
    await broker.publish(textMessage('later'), { queue: 'hops', deliverAt });
    const received: { text: string; at: number; count: number }[] = [];
    await broker.consume(['hops'], (delivery) => {
      received.push({ text: bodyText(delivery), at: Date.now(), count: delivery.deliveryCount });
      void delivery.ack();
    }, { prefetch: 1 });

    // Between hops (after the first one) it is on SQS as a delayed message, not in this process.
    await sleep(1_500);
    await waitUntil(async () => {
      const stats = await broker.stats('hops');
      return stats.delayed === 1 && stats.inFlight === 0;
    }, 1_000, { intervalMs: 20, description: 'the message delayed on SQS between hops' });
    expect(received).toHaveLength(0);

    await waitUntil(() => received.length === 1, 8_000);
    expect(received[0]?.text).toBe('later');
    expect(received[0]?.at).toBeGreaterThanOrEqual(deliverAt);
    // Each hop is a fresh message: the delivery is its first receive.
    expect(received[0]?.count).toBe(1);
    await sleep(500);
    expect(received).toHaveLength(1);
  }, 20_000);

  it('takes deliverAt from an injected clock', async () => {
    // The producer's clock runs an hour behind: a deliverAt one hour and 1 s "from now" is 1 s away in real time.
    const hourMs = 3_600_000;
    const broker = env().broker({ clock: { now: () => Date.now() - hourMs } });
    await broker.publish(textMessage('clocked'), { queue: 'clock', deliverAt: Date.now() - hourMs + 1_000 });
    expect((await broker.stats('clock')).delayed).toBe(1);
  });

  it('refuses a delay on a FIFO queue (SQS has no per-message delay there) with UnsupportedError', async () => {
    const broker = env().broker();
    await expectTqError(() => broker.publish(textMessage('x'), { queue: 'jobs.fifo', deliverAt: Date.now() + 5_000 }), 'TQ_UNSUPPORTED');
  });
});
