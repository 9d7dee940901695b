import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, BrokerMessage, Delivery } from '@tq/core';
import { createAmqpBroker } from '@tq/broker-amqp';
import { createRedisBroker } from '@tq/broker-redis';
import { createSqsBroker } from '@tq/broker-sqs';
import { requireServer, waitUntil } from '@tq/testing';
import { queueMetrics } from '@tq/worker/metrics';
import { AMQP_URL, REDIS_URL, deleteRedisKeysUnder, pingRabbitMq, pingRedis } from './support/shared-servers.js';
import { useSqsEmulator } from './sqs/servers.js';

/**
 * Issue 16: tq_queue_length and its siblings equal what waits on each real broker — ready, delayed
 * and dead letters counted apart — read through broker.stats, as `tq exporter` serves them.
 */
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const amqpUp = await requireServer('RabbitMQ 127.0.0.1:5672', () => pingRabbitMq(AMQP_URL));
const emulator = useSqsEmulator();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const message = (text: string): BrokerMessage => ({ body: new TextEncoder().encode(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: { id: randomUUID(), task: 'e2e.metrics' }, properties: {} });

/** 3 ready, 2 delayed for a minute, 1 of the ready taken and dead-lettered: the exporter must say 2 / 2 / 0 / 1. */
async function arrangeAndScrape(broker: Broker, queue: string): Promise<void> {
  for (const text of ['a', 'b', 'c']) await broker.publish(message(text), { queue });
  for (const text of ['later-1', 'later-2']) await broker.publish(message(text), { queue, deliverAt: Date.now() + 60_000 });
  const taken: Delivery[] = [];
  const consumer = await broker.consume([queue], (delivery) => void taken.push(delivery), { prefetch: 1 });
  await waitUntil(() => taken.length === 1, 20_000, { description: 'one delivery' });
  await taken[0]!.reject({ code: 'TQ_TEST', message: 'dead-lettered by the queue-metrics test' });
  // Whatever it took after that goes back unsettled: nothing stays in flight.
  await consumer.cancel({ deadlineMs: 0 });

  const metrics = queueMetrics(broker, [queue]);
  const series = (text: string, name: string): string | undefined => new RegExp(`^${name}\\{queue="${queue}"\\} (\\S+)$`, 'm').exec(text)?.[1];
  let text = '';
  // SQS counts are approximate and settle within seconds; Redis and RabbitMQ agree at once.
  await waitUntil(
    async () => {
      text = await metrics.registry.metrics();
      return series(text, 'tq_queue_length') === '2' && series(text, 'tq_queue_in_flight') === '0';
    },
    30_000,
    { intervalMs: 250, description: `tq_queue_length 2 and nothing in flight on ${broker.name}` },
  );
  expect({
    ready: series(text, 'tq_queue_length'),
    delayed: series(text, 'tq_queue_delayed'),
    inFlight: series(text, 'tq_queue_in_flight'),
    dead: series(text, 'tq_queue_dead_letters'),
    up: series(text, 'tq_queue_stats_up'),
  }).toEqual({ ready: '2', delayed: '2', inFlight: '0', dead: broker.capabilities.deadLetter ? '1' : '0', up: '1' });
}

describe('queue metrics on real brokers', () => {
  it.runIf(redisUp)('Redis: ready, delayed, in flight and dead letters apart', async () => {
    const keyPrefix = `e2e-qmetrics-${randomUUID()}:`;
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL), () => broker.close());
    await arrangeAndScrape(broker, 'backlog');
  }, 60_000);

  it.runIf(amqpUp)('RabbitMQ: ready, delayed, in flight and dead letters apart', async () => {
    const broker = createAmqpBroker({ url: AMQP_URL });
    const queue = `e2e-qmetrics-${randomUUID()}`;
    cleanups.push(() => broker.close(), () => broker.purge(queue));
    await arrangeAndScrape(broker, queue);
  }, 60_000);

  it('SQS (local-aws-sqs): ready, delayed, in flight and dead letters apart', async () => {
    const broker = createSqsBroker({ endpoint: emulator().endpoint, queuePrefix: `e2eqm${randomUUID().slice(0, 8)}-`, receive: { waitTimeSeconds: 1 } });
    cleanups.push(() => broker.close());
    await arrangeAndScrape(broker, 'backlog');
  }, 60_000);
});
