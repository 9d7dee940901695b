import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createApp, type ConnectionChange, type Delivery } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createAmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { REDIS_URL, amqpAndRedisUp } from './amqp/servers.js';
import { deleteRedisKeysUnder } from './support/shared-servers.js';
import { canStartPrivateRabbitMq, startPrivateRabbitMq, type PrivateRabbitMq } from './amqp/private-rabbitmq.js';
import { startWorkerProcess, stopWorkerProcess } from './worker-process.js';

/**
 * Issue 13, defect 4: when a channel dies, RabbitMQ requeues everything it had delivered on it. The
 * deliveries a worker buffered but had not started must then be dropped (they come back), not run:
 * on a broker restart the worker used to run all 80 it held, 80 duplicates.
 */
const runsApp = fileURLToPath(new URL('./amqp/amqp-runs-app.ts', import.meta.url));
const up = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672 and Redis 127.0.0.1:6379');
const privateRabbitMq = up && canStartPrivateRabbitMq();
if (up && !privateRabbitMq) process.stderr.write('\n!!! Cannot start a private RabbitMQ node here: the dead-channel tests are SKIPPED.\n\n');

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function privateNode(): Promise<PrivateRabbitMq> {
  const rabbit = await startPrivateRabbitMq();
  cleanups.push(() => rabbit.destroy());
  return rabbit;
}

const message = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} });

describe.runIf(privateRabbitMq)('deliveries buffered on a channel that died (private RabbitMQ node)', () => {
  it('are no longer live once RabbitMQ closes the connection, settle as no-ops, and come back redelivered', async () => {
    const rabbit = await privateNode();
    const errors: Error[] = [];
    const changes: ConnectionChange[] = [];
    const broker = createAmqpBroker({ url: rabbit.url, topologyPrefix: 'tq-e2e', reconnect: { maxDelayMs: 500 }, events: { onError: (error) => errors.push(error) } });
    cleanups.push(() => broker.close());
    const queue = `e2e-amqp-dead-channel-${randomUUID()}`;
    for (let index = 0; index < 10; index++) await broker.publish(message(`held ${index}`), { queue });

    const deliveries: Delivery[] = [];
    await broker.consume([queue], (delivery) => deliveries.push(delivery), {
      prefetch: 10,
      onError: (error) => errors.push(error),
      onConnectionChange: (change) => changes.push(change),
    });
    await waitUntil(() => deliveries.length === 10, 10_000, { description: 'the prefetch window to fill' });
    const held = deliveries.slice();
    expect(held.map((delivery) => delivery.live)).toEqual(Array(10).fill(true));

    // What a broker restart does to its clients: the server closes every connection.
    rabbit.ctl('close_all_connections', 'tq-test');
    await waitUntil(() => held.every((delivery) => delivery.live === false), 10_000, { description: 'the held deliveries to be marked not live' });

    // A worker that settles them anyway sends nothing: an ack of an old delivery tag on the new
    // channel would make RabbitMQ close it with 406 "unknown delivery tag".
    await Promise.all(held.map((delivery) => delivery.ack()));
    await waitUntil(() => deliveries.length === 20, 15_000, { description: 'the ten to be redelivered' });
    const again = deliveries.slice(10);
    expect(again.every((delivery) => delivery.redelivered && delivery.live === true)).toBe(true);
    await Promise.all(again.map((delivery) => delivery.ack()));
    await waitUntil(async () => (await broker.stats(queue)).ready === 0, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a 406 to come back, if one was sent
    expect(errors.filter((error) => /unknown delivery tag|PRECONDITION/i.test(error.message))).toEqual([]);
    expect(changes.map((change) => change.state)).toEqual(['lost', 'restored']);
    expect(deliveries).toHaveLength(20);
  }, 60_000);

  it('are not run by a worker process across rabbitmqctl stop_app / start_app: no run starts during the outage', async () => {
    const rabbit = await privateNode();
    const id = `e2e-amqp-runs-${randomUUID()}`;
    const keyPrefix = `${id}:`;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const app = createApp({
      broker: createAmqpBroker({ url: rabbit.url, topologyPrefix: 'tq-e2e', reconnect: { maxDelayMs: 500 }, publish: { timeoutMs: 60_000 } }),
      backend: createRedisBackend({ url: REDIS_URL, keyPrefix }),
      defaultQueue: id,
    });
    cleanups.push(() => app.close());
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const runs = async (): Promise<{ index: number; at: number }[]> =>
      (await redis.lrange(`${keyPrefix}runs`, 0, -1)).map((entry) => {
        const [index, at] = entry.split(' ').map(Number);
        return { index: index as number, at: at as number };
      });

    // 10 running at a time and 30 more buffered (prefetch 40), each run 300 ms.
    const worker = startWorkerProcess({ E2E_AMQP_URL: rabbit.url, E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: keyPrefix, E2E_QUEUE: id }, [], runsApp);
    cleanups.push(() => stopWorkerProcess(worker));
    const results = await Promise.all(Array.from({ length: 150 }, (_, index) => app.sendTask<number>('e2e.record-run', [index, 300])));
    await waitUntil(async () => (await runs()).length >= 20, 60_000, { intervalMs: 50, description: '20 runs to start' });

    await rabbit.stopApp();
    const outageFrom = Date.now();
    // Long enough for the 10 running to finish and free their slots for the buffered ones.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const outageTo = Date.now();
    await rabbit.startApp();

    const values = await Promise.all(results.map((result) => result.get({ timeout: 90_000 })));
    expect(values).toEqual(Array.from({ length: 150 }, (_, index) => index));
    const all = await runs();
    const startedDuringOutage = all.filter((run) => run.at >= outageFrom && run.at <= outageTo);
    expect(startedDuringOutage, 'runs started on deliveries of the dead channel').toEqual([]);
    // Only those running when the channel died (10) and those whose ack was still on its way (at most
    // as many again, more on a loaded machine than a quiet one) may run twice; before the fix all 80
    // buffered ones did.
    expect(all.length - new Set(all.map((run) => run.index)).size).toBeLessThanOrEqual(20);
    expect(worker.output()).not.toMatch(/delivery failed/);
  }, 150_000);
});
