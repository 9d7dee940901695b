import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, TaskFailedError, type App } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer } from '@tq/testing';
import { Worker } from '@tq/worker';
import { deleteCeleryRedisQueues, probePythonCelery, runPythonJson, startPythonCeleryWorker } from './support/python-celery.js';
import { REDIS_URL, pingRedis } from './support/shared-servers.js';

const ready = await requireServer('Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3; apt-get install -y python3-celery python3-redis)', async () => {
  probePythonCelery('redis');
  await pingRedis(REDIS_URL);
});

/** Run the Python client; resolves with its JSON line. Bounded: Celery's own get() times out at 30 s. */
function pythonSend(env: Record<string, string>, task: string, args: unknown[]): Promise<Record<string, unknown>> {
  return runPythonJson('e2e_celery_app.py', ['send', task, JSON.stringify(args)], env, 45_000, 'python client');
}

function deleteQueueAndResults(queue: string, taskIds: string[]): Promise<void> {
  return deleteCeleryRedisQueues([queue], taskIds);
}

describe.runIf(ready)('interop with Python Celery 5.2 over Redis', () => {
  describe('a Python client and a tq worker', () => {
    const queue = `e2e-py-to-tq-${randomUUID()}`;
    const ids: string[] = [];
    let app: App;
    let worker: Worker;

    beforeAll(async () => {
      // keyPrefix '' and Celery's own queue and result key names: the two sides share one layout.
      app = createApp({ broker: createRedisBroker({ url: REDIS_URL }), backend: createRedisBackend({ url: REDIS_URL }) });
      app.task('tasks.add', (x: number, y: number) => x + y);
      app.task('tasks.fail', (message: string) => {
        throw new TypeError(message);
      });
      worker = new Worker(app, { queues: [queue], concurrency: 4, logLevel: 'silent' });
      await worker.start();
    });

    afterAll(async () => {
      await worker?.stop();
      await app?.close();
      await deleteQueueAndResults(queue, ids);
    });

    it('runs add(2, 3) sent by Python, and Python’s AsyncResult.get() returns 5', async () => {
      const outcome = await pythonSend({ E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue }, 'tasks.add', [2, 3]);
      ids.push(outcome.id as string);
      expect(outcome).toMatchObject({ status: 'SUCCESS', result: 5 });
    }, 60_000);

    it('reports a tq failure that Python reads as a failure with the error’s type and message', async () => {
      const outcome = await pythonSend({ E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue }, 'tasks.fail', ['bad input']);
      ids.push(outcome.id as string);
      expect(outcome).toMatchObject({ status: 'FAILURE', error_type: 'TypeError', error_args: ['bad input'] });
    }, 60_000);
  });

  describe('a tq client and a Python Celery worker', () => {
    const queue = `e2e-tq-to-py-${randomUUID()}`;
    const ids: string[] = [];
    let app: App;
    let python: ChildProcess | undefined;

    beforeAll(async () => {
      app = createApp({ broker: createRedisBroker({ url: REDIS_URL }), backend: createRedisBackend({ url: REDIS_URL }) });
      python = startPythonCeleryWorker('e2e_celery_app', queue, { E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue });
    });

    afterAll(async () => {
      python?.kill('SIGTERM');
      await app?.close();
      await deleteQueueAndResults(queue, ids);
    });

    it('sends add(2, 3) that the Python worker runs, and reads 5 back', async () => {
      const result = await app.sendTask<number>('tasks.add', [2, 3], { queue });
      ids.push(result.id);
      expect(await result.get({ timeout: 40_000 })).toBe(5);
    }, 60_000);

    it('reads a Python failure as TaskFailedError with Python’s exception type', async () => {
      const result = await app.sendTask('tasks.fail', ['no such user'], { queue });
      ids.push(result.id);
      const error = await result.get({ timeout: 40_000 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error).toMatchObject({ excType: 'ValueError', excModule: 'builtins', message: expect.stringContaining('no such user') });
      expect((error as TaskFailedError).remoteTraceback).toContain('ValueError: no such user');
    }, 60_000);
  });
});
