import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { createApp, TaskFailedError, type App } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createAmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { REDIS_URL, SHARED_AMQP_URL, amqpAndRedisUp } from './amqp/servers.js';
import { probePythonCelery, pythonSend, startPythonWorker, type PythonEnv } from './amqp/python-celery.js';

const PYTHON_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672//';
/** Delay levels apart from Celery's own names, so this file never meets a real app's delayed messages. */
const TOPOLOGY_PREFIX = 'tq-e2e';
const COUNTDOWN_S = 3;
/** How late after its eta a countdown task may run: a worker poll, a Python process start. */
const LATE_TOLERANCE_MS = 2_500;

const ready = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672, Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3)', probePythonCelery);

function tqApp(): App {
  // Plain classic queues (no arguments): exactly what kombu declares, so either side may declare first.
  const broker = createAmqpBroker({ url: SHARED_AMQP_URL, topologyPrefix: TOPOLOGY_PREFIX });
  return createApp({ broker, backend: createRedisBackend({ url: REDIS_URL }) });
}

async function cleanUp(queue: string, ids: string[]): Promise<void> {
  const connection = await connect(SHARED_AMQP_URL);
  const channel = await connection.createChannel();
  for (const name of [queue, `${queue}.dead-letter`]) await channel.deleteQueue(name);
  await channel.deleteExchange(queue);
  await connection.close();
  if (ids.length === 0) return;
  const client = new Redis(REDIS_URL);
  await client.unlink(...ids.map((id) => `celery-task-meta-${id}`));
  client.disconnect();
}

describe.runIf(ready)('interop with Python Celery 5.2 over RabbitMQ (results in Redis)', () => {
  describe('a Python client and a tq worker', () => {
    const queue = `e2e-amqp-py-to-tq-${randomUUID()}`;
    const env: PythonEnv = { E2E_AMQP_URL: PYTHON_AMQP_URL, E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue };
    const ids: string[] = [];
    let app: App;
    let worker: Worker;

    beforeAll(async () => {
      app = tqApp();
      app.task('tasks.add', (x: number, y: number) => x + y);
      app.task('tasks.fail', (message: string) => {
        throw new TypeError(message);
      });
      app.task('tasks.clock', () => Date.now());
      worker = new Worker(app, { queues: [queue], concurrency: 4, logLevel: 'silent' });
      await worker.start();
    });

    afterAll(async () => {
      await worker?.stop();
      await app?.close();
      await cleanUp(queue, ids);
    });

    it('runs add(2, 3) sent by Python, and Python’s AsyncResult.get() returns 5', async () => {
      const outcome = await pythonSend(env, 'tasks.add', [2, 3]);
      ids.push(outcome.id as string);
      expect(outcome).toMatchObject({ status: 'SUCCESS', result: 5 });
    }, 90_000);

    it('reports a tq failure that Python reads as a failure with the error’s type and message', async () => {
      const outcome = await pythonSend(env, 'tasks.fail', ['bad input']);
      ids.push(outcome.id as string);
      expect(outcome).toMatchObject({ status: 'FAILURE', error_type: 'TypeError', error_args: ['bad input'] });
    }, 90_000);

    it(`runs a task Python sent with countdown=${COUNTDOWN_S} no earlier than its eta (delayed on the broker, not in the worker)`, async () => {
      const outcome = await pythonSend(env, 'tasks.clock', [], COUNTDOWN_S);
      ids.push(outcome.id as string);
      expect(outcome.status).toBe('SUCCESS');
      const due = (outcome.sent_at as number) + COUNTDOWN_S * 1_000;
      const ranAt = outcome.result as number;
      expect(ranAt, 'ran before its eta').toBeGreaterThanOrEqual(due);
      expect(ranAt - due, 'ran too long after its eta').toBeLessThanOrEqual(LATE_TOLERANCE_MS);
    }, 90_000);
  });

  describe('a tq client and a Python Celery worker', () => {
    const queue = `e2e-amqp-tq-to-py-${randomUUID()}`;
    const env: PythonEnv = { E2E_AMQP_URL: PYTHON_AMQP_URL, E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue };
    const ids: string[] = [];
    let app: App;
    let python: ChildProcess | undefined;

    beforeAll(async () => {
      app = tqApp();
      python = startPythonWorker(env);
    });

    afterAll(async () => {
      python?.kill('SIGTERM');
      await app?.close();
      await cleanUp(queue, ids);
    });

    it('sends add(2, 3) that the Python worker runs, and reads 5 back', async () => {
      const result = await app.sendTask<number>('tasks.add', [2, 3], { queue });
      ids.push(result.id);
      expect(await result.get({ timeout: 60_000 })).toBe(5);
    }, 90_000);

    it('reads a Python failure as TaskFailedError with Python’s exception type', async () => {
      const result = await app.sendTask('tasks.fail', ['no such user'], { queue });
      ids.push(result.id);
      const error = await result.get({ timeout: 60_000 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ excType: 'ValueError', excModule: 'builtins', message: expect.stringContaining('no such user') });
    }, 90_000);

    it(`sends a countdown=${COUNTDOWN_S} task that waits on the broker's delay levels and runs on Python at its eta`, async () => {
      const sentAt = Date.now();
      const result = await app.sendTask<number>('tasks.clock', [], { queue, countdown: COUNTDOWN_S * 1_000 });
      ids.push(result.id);
      // Held by RabbitMQ, not by the Python worker's memory.
      const stats = await app.broker.stats(queue);
      expect(stats.delayed).toBe(1);
      const ranAt = await result.get({ timeout: 60_000 });
      expect(ranAt, 'ran before its countdown').toBeGreaterThanOrEqual(sentAt + COUNTDOWN_S * 1_000);
      expect(ranAt - (sentAt + COUNTDOWN_S * 1_000), 'ran too long after its countdown').toBeLessThanOrEqual(LATE_TOLERANCE_MS);
      await waitUntil(async () => (await app.broker.stats(queue)).ready === 0, 10_000, { description: 'the queue to be empty' });
    }, 90_000);
  });
});
