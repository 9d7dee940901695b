import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createApp, TaskFailedError } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createSqsBroker } from '@tq/broker-sqs';
import { requireServer, waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { type CelerySqsEnv, celeryClient, probeCelerySqs, startCeleryWorker } from './sqs/python-celery-sqs.js';
import { REDIS_URL, redisIsUp, useSqsEmulator } from './sqs/servers.js';

const pythonUp = await requireServer(
  'Python Celery 5.2 with kombu’s SQS transport (/usr/bin/python3; apt-get install -y python3-celery python3-boto3 python3-pycurl)',
  probeCelerySqs,
);
const redisUp = await redisIsUp();

const emulator = useSqsEmulator();

/** Both sides of one test share a queue prefix of their own on the file's emulator. */
function namespace(): { prefix: string; env: CelerySqsEnv } {
  const prefix = `celery${randomBytes(4).toString('hex')}-`;
  return { prefix, env: { SQS_ENDPOINT: emulator().endpoint, SQS_PREFIX: prefix, E2E_REDIS_URL: REDIS_URL } };
}

/** Results live under Celery's own key names (Celery 5.2's Redis backend has no prefix): remove ours. */
async function deleteResults(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const redis = new Redis(REDIS_URL);
  await redis.unlink(...ids.map((id) => `celery-task-meta-${id}`));
  redis.disconnect();
}

describe.runIf(pythonUp && redisUp)('Python Celery 5.2 ↔ tq on SQS (kombu 5.2 transport, boto3, local-aws-sqs)', () => {
  it('a tq worker runs a task Python Celery sent through kombu’s SQS transport, and Celery reads the result', async () => {
    const { prefix, env } = namespace();
    const app = createApp({ broker: createSqsBroker({ endpoint: emulator().endpoint, queuePrefix: prefix, receive: { waitTimeSeconds: 1 } }), backend: createRedisBackend({ url: REDIS_URL }) });
    app.task('tasks.add', (x: number, y: number) => x + y);
    const worker = new Worker(app, { queues: ['orders.sqs'], concurrency: 2, logLevel: 'silent' });
    await worker.start();
    const ids: string[] = [];
    try {
      const outcome = (await celeryClient(env, ['send', 'orders.sqs', '20', '22'])) as { id: string; result: number };
      ids.push(outcome.id);
      expect(outcome.result).toBe(42);
      expect(worker.stats.succeeded).toBe(1);
    } finally {
      await worker.stop();
      await app.close();
      await deleteResults(ids);
    }
  }, 60_000);

  it('kombu’s SQS consumer reads and acks a task tq published', async () => {
    const { prefix, env } = namespace();
    const broker = createSqsBroker({ endpoint: emulator().endpoint, queuePrefix: prefix });
    const app = createApp({ broker });
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    try {
      const sent = await add.applyAsync([3, 4], { queue: 'reports.daily' });
      const seen = (await celeryClient(env, ['receive', 'reports.daily'])) as Record<string, unknown>;
      expect(seen).toEqual({ task: 'tasks.add', id: sent.id, args: [3, 4], kwargs: {}, content_type: 'application/json' });
      // kombu's ack deleted it from SQS.
      await waitUntil(async () => {
        const stats = await broker.stats('reports.daily');
        return stats.ready === 0 && stats.inFlight === 0;
      }, 5_000);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('a Python Celery worker on SQS runs tasks tq sent, and tq reads its results and failures from Redis', async () => {
    const { prefix, env } = namespace();
    const queue = 'billing.sqs';
    // Celery's SQS worker receives through pycurl, addressing the queue by its URL: see startSqsEmulator.
    // Every wait below is bounded (ready 15 s, each result 15 s, acks 5 s, stop 5 s), so the finally
    // always stops the Python worker within the test's 60 s.
    const celery = startCeleryWorker(env, queue);
    const broker = createSqsBroker({ endpoint: emulator().endpoint, queuePrefix: prefix });
    const app = createApp({ broker, backend: createRedisBackend({ url: REDIS_URL }) });
    const ids: string[] = [];
    try {
      await celery.ready;
      const product = await app.sendTask<number>('tasks.mul', [6, 7], { queue });
      const failure = await app.sendTask('tasks.fail', ['card declined'], { queue });
      ids.push(product.id, failure.id);

      const withWorkerLog = (error: unknown): never => {
        throw new Error(`${String(error)}\n--- Celery worker log ---\n${celery.output()}`, { cause: error });
      };
      expect(await product.get({ timeout: 15_000 }).catch(withWorkerLog)).toBe(42);
      const error = await failure.get({ timeout: 15_000 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ excType: 'ValueError', message: expect.stringContaining('card declined') });
      expect((error as TaskFailedError).remoteTraceback).toContain('ValueError: card declined');
      // Celery acked both: deleted from SQS.
      await waitUntil(async () => {
        const stats = await broker.stats(queue);
        return stats.ready === 0 && stats.inFlight === 0;
      }, 5_000);
    } finally {
      await celery.stop();
      await app.close();
      await deleteResults(ids);
    }
  }, 60_000);
});
