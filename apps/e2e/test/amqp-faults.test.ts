import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { createApp, type App } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createAmqpBroker, type AmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { REDIS_URL, SHARED_AMQP_URL, amqpAndRedisUp } from './amqp/servers.js';
import { deleteRedisKeysUnder } from './support/shared-servers.js';
import { canStartPrivateRabbitMq, startPrivateRabbitMq, type PrivateRabbitMq } from './amqp/private-rabbitmq.js';
import { countSucceeded, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './worker-process.js';

const amqpFaultApp = fileURLToPath(new URL('./amqp/amqp-fault-app.ts', import.meta.url));

const up = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672 and Redis 127.0.0.1:6379');
const privateRabbitMq = canStartPrivateRabbitMq();
if (up && !privateRabbitMq) {
  process.stderr.write(`\n!!! Cannot start a private RabbitMQ node here (needs rabbitmq-server installed and root or the rabbitmq user): the AMQP restart, alarm and TLS fault tests are SKIPPED.\n\n`);
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Namespace {
  readonly queue: string;
  readonly keyPrefix: string;
}

function namespace(label: string, amqpUrl: string): Namespace {
  const id = `e2e-amqp-${label}-${randomUUID()}`;
  cleanups.push(async () => {
    const connection = await connect(amqpUrl).catch(() => undefined);
    if (connection !== undefined) {
      const channel = await connection.createChannel();
      for (const name of [id, `${id}.dead-letter`]) await channel.deleteQueue(name);
      await channel.deleteExchange(id);
      await connection.close();
    }
    await deleteRedisKeysUnder(`${id}:`, REDIS_URL);
  });
  return { queue: id, keyPrefix: `${id}:` };
}

function producer(amqpUrl: string, ns: Namespace): App {
  const broker = createAmqpBroker({ url: amqpUrl, topologyPrefix: 'tq-e2e', reconnect: { maxDelayMs: 1_000 }, publish: { timeoutMs: 60_000 } });
  const app = createApp({ broker, backend: createRedisBackend({ url: REDIS_URL, keyPrefix: ns.keyPrefix }), defaultQueue: ns.queue });
  cleanups.push(() => app.close());
  return app;
}

function worker(amqpUrl: string, ns: Namespace): WorkerProcess {
  const process = startWorkerProcess({ E2E_AMQP_URL: amqpUrl, E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: ns.keyPrefix, E2E_QUEUE: ns.queue }, [], amqpFaultApp);
  cleanups.push(() => stopWorkerProcess(process));
  return process;
}

const indices = (count: number, from = 0): number[] => Array.from({ length: count }, (_, index) => from + index);

describe.runIf(up)('fault tolerance on RabbitMQ (real worker processes)', () => {
  it('loses no acksLate task when a worker is killed with SIGKILL mid-run', async () => {
    const ns = namespace('kill', SHARED_AMQP_URL);
    const app = producer(SHARED_AMQP_URL, ns);
    const first = worker(SHARED_AMQP_URL, ns);
    const results = await Promise.all(indices(200).map((index) => app.sendTask<number>('e2e.work', [index, 20])));
    await waitUntil(async () => (await countSucceeded(results)) >= 40, 60_000, { intervalMs: 100, description: '40 tasks to succeed' });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await countSucceeded(results)).toBeLessThan(200);

    // RabbitMQ requeued the dead connection's unacked deliveries; a new worker finishes them all.
    worker(SHARED_AMQP_URL, ns);
    const values = await Promise.all(results.map((result) => result.get({ timeout: 90_000 })));
    expect(values).toEqual(indices(200));
  }, 150_000);

  it('dead-letters malformed messages (bad JSON, missing headers, unknown task) with a reason and keeps working', async () => {
    const ns = namespace('malformed', SHARED_AMQP_URL);
    const app = producer(SHARED_AMQP_URL, ns);
    app.task('e2e.ok', (value: number) => value * 2);
    const inProcess = new Worker(app, { queues: [ns.queue], concurrency: 2, logLevel: 'silent' });
    await inProcess.start();
    cleanups.push(() => inProcess.stop());

    const connection = await connect(SHARED_AMQP_URL);
    cleanups.push(() => connection.close());
    const channel = await connection.createConfirmChannel();
    const send = (body: string, headers: Record<string, unknown>): Promise<void> =>
      new Promise((resolve, reject) =>
        channel.sendToQueue(ns.queue, Buffer.from(body), { contentType: 'application/json', contentEncoding: 'utf-8', headers, deliveryMode: 2 }, (error: unknown) =>
          error == null ? resolve() : reject(error as Error),
        ),
      );
    await send('{"not json', { lang: 'py', task: 'e2e.ok', id: randomUUID() });
    await send('[[1], {}, {}]', {});
    await send('[[1], {}, {}]', { lang: 'py', task: 'e2e.nobody-registered-this', id: randomUUID() });

    const after = await app.sendTask<number>('e2e.ok', [21], { queue: ns.queue });
    expect(await after.get({ timeout: 30_000 })).toBe(42);

    await waitUntil(async () => (await app.broker.stats(ns.queue)).dead === 3, 30_000, { description: '3 dead letters' });
    const letters = await app.broker.deadLetters(ns.queue);
    expect(letters.map((letter) => letter.reason.code).sort()).toEqual(['TQ_MALFORMED_MESSAGE', 'TQ_MALFORMED_MESSAGE', 'TQ_UNKNOWN_TASK']);
    for (const letter of letters) expect(letter.reason.message.length).toBeGreaterThan(10);
    expect(letters.find((letter) => letter.reason.code === 'TQ_UNKNOWN_TASK')?.reason.message).toContain('e2e.nobody-registered-this');
    expect(await app.broker.stats(ns.queue)).toMatchObject({ ready: 0, inFlight: 0 });
  }, 60_000);

  describe.runIf(privateRabbitMq)('with its own RabbitMQ node (restarted, alarmed, or serving TLS)', () => {
    let rabbit: PrivateRabbitMq | undefined;
    afterEach(async () => {
      await rabbit?.destroy();
      rabbit = undefined;
    });

    it('resumes publishing and consuming by itself after rabbitmqctl stop_app / start_app, losing nothing confirmed', async () => {
      rabbit = await startPrivateRabbitMq();
      const ns = namespace('restart', rabbit.url);
      const app = producer(rabbit.url, ns);
      const survivor = worker(rabbit.url, ns);
      const results = await Promise.all(indices(300).map((index) => app.sendTask<number>('e2e.work', [index, 10])));
      await waitUntil(async () => (await countSucceeded(results)) >= 60, 60_000, { intervalMs: 100, description: '60 tasks to succeed' });

      await rabbit.stopApp();
      // Published while RabbitMQ is down: these wait for the reconnect and resolve once confirmed.
      const duringOutage = Promise.all(indices(50, 300).map((index) => app.sendTask<number>('e2e.work', [index, 10])));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await rabbit.startApp();

      const all = [...results, ...(await duringOutage)];
      const values = await Promise.all(all.map((result) => result.get({ timeout: 90_000 })));
      expect(values).toEqual(indices(350));
      expect(survivor.child.exitCode).toBeNull(); // the same worker process carried on
    }, 180_000);

    it('connects over amqps:// with the server’s CA, and refuses an untrusted certificate with TQ_CONFIGURATION', async () => {
      rabbit = await startPrivateRabbitMq({ tls: true });
      const tlsUrl = rabbit.tlsUrl as string;
      const trusted: AmqpBroker = createAmqpBroker({ url: tlsUrl, socketOptions: { ca: [rabbit.caPem as string] } });
      cleanups.push(() => trusted.close());
      const queue = `e2e-amqp-tls-${randomUUID()}`;
      await trusted.publish({ body: Buffer.from('over tls'), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} }, { queue });
      const received: string[] = [];
      await trusted.consume([queue], (delivery) => {
        received.push(Buffer.from(delivery.message.body).toString());
        void delivery.ack();
      }, { prefetch: 1 });
      await waitUntil(() => received.length === 1, 10_000);
      expect(received).toEqual(['over tls']);

      const untrusting: AmqpBroker = createAmqpBroker({ url: tlsUrl });
      cleanups.push(() => untrusting.close());
      const error = await untrusting.connect().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'TQ_CONFIGURATION', retryable: false });
      expect((error as Error).message).toMatch(/socketOptions\.ca/);
    }, 90_000);

    it('surfaces a blocked connection (memory alarm) as a typed, retryable error instead of hanging', async () => {
      rabbit = await startPrivateRabbitMq();
      const blocked: string[] = [];
      const broker: AmqpBroker = createAmqpBroker({ url: rabbit.url, publish: { timeoutMs: 1_500 }, events: { onBlocked: (reason) => blocked.push(reason) } });
      cleanups.push(() => broker.close());
      const queue = `e2e-amqp-blocked-${randomUUID()}`;
      const message = { body: Buffer.from('x'), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} };
      await broker.publish(message, { queue });

      rabbit.ctl('set_vm_memory_high_watermark', '0');
      cleanups.push(async () => rabbit?.ctl('set_vm_memory_high_watermark', '0.4'));
      const error = await broker.publish(message, { queue }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'TQ_AMQP_BLOCKED', retryable: true });
      expect(blocked.length).toBeGreaterThan(0);

      rabbit.ctl('set_vm_memory_high_watermark', '0.4');
      await waitUntil(async () => (await broker.stats(queue)).ready >= 2, 15_000, { description: 'the blocked publish to be delivered after the alarm cleared' });
      await broker.publish(message, { queue });
    }, 90_000);
  });
});
