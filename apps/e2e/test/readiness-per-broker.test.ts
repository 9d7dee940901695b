import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App, type Broker, type Consumer } from '@tq/core';
import { createAmqpBroker, simulateAmqpConsumerLoss } from '@tq/broker-amqp';
import { createRedisBroker, simulateRedisConsumerLoss } from '@tq/broker-redis';
import { createSqsBroker, simulateSqsConsumerLoss } from '@tq/broker-sqs';
import { requireServer, waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { serveWorkerMetrics, type WorkerHealthOptions } from '@tq/worker/metrics';
import { canStartPrivateRabbitMq, startPrivateRabbitMq } from './amqp/private-rabbitmq.js';
import { startSqsEmulator, useEmulatorCredentials, type SqsEmulator } from '../../../packages/broker-sqs/scripts/sqs-emulator.js';
import { AMQP_URL, REDIS_URL, deleteRedisKeysUnder, pingRabbitMq, pingRedis } from './support/shared-servers.js';

/**
 * Issue 16: /readyz on every broker. It turns 503 while the broker is down and 200 once it is back
 * (RabbitMQ: a private node stopped with stop_app; SQS: the endpoint gone and back; Redis:
 * redis-readiness.test.ts), and 503 when the consumer stalls with its connection up — messages
 * waiting, room for more, nothing received — which only asking the broker can tell.
 */
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const amqpUp = await requireServer('RabbitMQ 127.0.0.1:5672', () => pingRabbitMq(AMQP_URL));
const privateRabbitMq = canStartPrivateRabbitMq();
if (!privateRabbitMq) process.stderr.write('\n!!! Cannot start a private RabbitMQ node here: the RabbitMQ /readyz outage test is SKIPPED.\n\n');
useEmulatorCredentials();

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Probe {
  status: number;
  checks: Record<string, unknown>;
}

async function readyz(url: string): Promise<Probe> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, checks: ((await response.json()) as { checks: Record<string, unknown> }).checks };
}

/** A worker of `broker` on a fresh queue with its metrics port, started; `add` is its task. */
async function servedWorker(broker: Broker, health: WorkerHealthOptions = {}) {
  const queue = `e2e-readyz-${randomUUID().slice(0, 8)}`;
  const app: App = createApp({ broker, backend: null, defaultQueue: queue });
  const add = app.task('tasks.add', (a: number, b: number) => a + b);
  const worker = new Worker(app, { logLevel: 'silent', concurrency: 2, control: false, queues: [queue] });
  const served = await serveWorkerMetrics(worker, { port: 0, host: '127.0.0.1', defaultMetrics: false, health });
  cleanups.push(() => app.close(), () => worker.stop({ cold: true, timeoutMs: 0 }), () => served.close());
  let succeeded = 0;
  worker.on('task-succeeded', () => succeeded++);
  await worker.start();
  return { queue, add, worker, url: served.server.url, succeeded: () => succeeded };
}

async function outageAndBack(url: string, stop: () => Promise<void>, start: () => Promise<void>): Promise<void> {
  expect(await readyz(url)).toEqual({ status: 200, checks: { consuming: true, broker: true, reconnects: true, receiving: true } });
  await stop();
  await waitUntil(async () => (await readyz(url)).status === 503, 30_000, { intervalMs: 100, description: '/readyz to turn 503' });
  expect((await readyz(url)).checks.broker).toMatch(/^broker connection lost \d+s ago; reconnecting$/);
  await start();
  await waitUntil(async () => (await readyz(url)).status === 200, 60_000, { intervalMs: 200, description: '/readyz to be 200 again' });
}

describe('/readyz while the broker is down and after it is back', () => {
  it.runIf(privateRabbitMq)('RabbitMQ (a private node, stop_app / start_app): 200 → 503 naming the broker → 200, and tasks run after', async () => {
    const rabbit = await startPrivateRabbitMq();
    cleanups.push(() => rabbit.destroy());
    const broker = createAmqpBroker({ url: rabbit.url, reconnect: { initialDelayMs: 100, maxDelayMs: 500 }, events: { onError: () => undefined } });
    const { add, url, succeeded } = await servedWorker(broker);
    await outageAndBack(url, () => rabbit.stopApp(), () => rabbit.startApp());
    await add.delay(2, 3);
    await waitUntil(() => succeeded() === 1, 20_000, { description: 'a task run after the outage' });
  }, 120_000);

  it('SQS (the endpoint goes away and comes back on its port): 200 → 503 naming the broker → 200, and tasks run after', async () => {
    let emulator: SqsEmulator = await startSqsEmulator();
    const port = emulator.port;
    cleanups.push(() => emulator.close());
    const settings = { endpoint: emulator.endpoint, queuePrefix: `e2erz${randomUUID().slice(0, 8)}-`, receive: { waitTimeSeconds: 1 } };
    const { queue, url, succeeded } = await servedWorker(createSqsBroker(settings));
    await outageAndBack(
      url,
      () => emulator.close(),
      async () => {
        emulator = await startSqsEmulator(port);
        // The emulator kept its queues in memory, so the worker's queue is gone: a producer of its own
        // (no cached queue URL) declares it anew as it sends a task, as SQS itself would still have it.
        const producer = createApp({ broker: createSqsBroker(settings), backend: null, defaultQueue: queue });
        cleanups.push(() => producer.close());
        await producer.task('tasks.add', (a: number, b: number) => a + b).delay(2, 3);
      },
    );
    await waitUntil(() => succeeded() === 1, 20_000, { description: 'the task sent after the outage run' });
  }, 120_000);
});

type LoseConsumer = (consumer: Consumer) => void | Promise<void>;

describe('/readyz when the consumer stalls with its connection up', () => {
  const brokers: Array<{ name: string; up: boolean; create: () => Promise<Broker>; lose: LoseConsumer }> = [
    {
      name: 'Redis',
      up: redisUp,
      create: async () => {
        const prefix = `e2e-readyz-${randomUUID().slice(0, 8)}:`;
        cleanups.push(() => deleteRedisKeysUnder(prefix));
        return createRedisBroker({ url: REDIS_URL, keyPrefix: prefix });
      },
      lose: simulateRedisConsumerLoss,
    },
    { name: 'RabbitMQ', up: amqpUp, create: async () => createAmqpBroker({ url: AMQP_URL }), lose: simulateAmqpConsumerLoss },
    {
      name: 'SQS',
      up: true,
      create: async () => {
        const emulator = await startSqsEmulator();
        cleanups.push(() => emulator.close());
        return createSqsBroker({ endpoint: emulator.endpoint, queuePrefix: `e2erz${randomUUID().slice(0, 8)}-`, receive: { waitTimeSeconds: 1 } });
      },
      lose: simulateSqsConsumerLoss,
    },
  ];
  for (const { name, up, create, lose } of brokers) {
    it.runIf(up)(`${name}: 503 once messages have waited stallAfterMs with room and nothing received; 200 while idle before that`, async () => {
      const { add, worker, url, queue } = await servedWorker(await create(), { stallAfterMs: 2_000 });
      await add.delay(1, 1);
      await waitUntil(() => worker.stats.succeeded === 1, 20_000, { description: 'a first task run' });
      await lose(worker['consumer']!);
      for (let i = 0; i < 3; i++) await add.delay(i, i);
      expect((await readyz(url)).status).toBe(200);
      await waitUntil(async () => (await readyz(url)).status === 503, 30_000, { intervalMs: 250, description: '/readyz to see the stall' });
      const { checks } = await readyz(url);
      expect(checks).toMatchObject({ consuming: true, broker: true, reconnects: true });
      expect(checks.receiving).toMatch(new RegExp(`^messages have waited \\d+s \\(\\d+ in ${queue}\\) while the worker had room and received nothing: the consumer has stalled$`));
    }, 60_000);
  }
});
