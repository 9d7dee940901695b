import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chain, createApp, type App, type Task } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { REDIS_URL, redisReady } from './canvas-redis.js';
import { deleteCeleryRedisQueues, probePythonCelery, runPythonJson, startPythonCeleryWorker } from './support/python-celery.js';

const ready = await redisReady('Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3; apt-get install -y python3-celery python3-redis)', () => probePythonCelery('redis'));

/** Run `e2e_celery_app.py <args>` and parse its last JSON line; bounded by a kill timer. */
function python(args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  return runPythonJson('e2e_celery_app.py', args, env, 45_000);
}

// Celery's own layout (no key prefix) so both sides share queues and results; only our queues and ids are deleted.
describe.runIf(ready)('a chain hopping between Python Celery 5.2 and tq workers (Redis broker + backend)', () => {
  const tqQueue = `e2e-hop-tq-${randomUUID()}`;
  const pyQueue = `e2e-hop-py-${randomUUID()}`;
  const resultIds = new Set<string>();
  let app: App;
  let worker: Worker;
  let pythonWorker: ChildProcess | undefined;

  beforeAll(async () => {
    app = createApp({ broker: createRedisBroker({ url: REDIS_URL }), backend: createRedisBackend({ url: REDIS_URL }) });
    app.task('tasks.add', (x: number, y: number) => x + y);
    worker = new Worker(app, { queues: [tqQueue], concurrency: 4, logLevel: 'silent' });
    worker.on('task-succeeded', ({ id }) => resultIds.add(id));
    await worker.start();
    pythonWorker = startPythonCeleryWorker('e2e_celery_app', pyQueue, { E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: pyQueue });
  });

  afterAll(async () => {
    pythonWorker?.kill('SIGTERM');
    await worker?.stop();
    await deleteCeleryRedisQueues([tqQueue, pyQueue], resultIds);
    await app?.close();
  });

  it('runs a chain sent by tq: add on tq, mul on Python, add on tq, mul on Python — ((1+2)*3+4)*5 = 65', async () => {
    const add = app.tasks.require('tasks.add') as Task<[x: number, y: number], number>;
    // Python's task, known here by name only (never run by this worker: it only consumes tqQueue).
    const mul = app.task('tasks.mul', (x: number, y: number): number => x * y);
    const result = await chain(add.s(1, 2).set({ queue: tqQueue }), mul.s(3).set({ queue: pyQueue }), add.s(4).set({ queue: tqQueue }), mul.s(5).set({ queue: pyQueue })).applyAsync();
    for (let step: typeof result.parent = result; step !== undefined; step = step.parent) resultIds.add(step.id);
    expect(await result.get({ timeout: 40_000 })).toBe(65);
    expect(await result.parent?.get({ timeout: 1_000 })).toBe(13);
    expect(await result.parent?.parent?.get({ timeout: 1_000 })).toBe(9);
    // Python recorded the step it ran with tq's parent id (as Celery's result_extended stores it).
    expect((await result.info()).parent_id).toBe(result.parent?.id);
  }, 60_000);

  it('stops at a failing Python step: Celery fails the remaining tq step and sends the tq errback the failed id', async () => {
    const add = app.tasks.require('tasks.add') as Task<[x: number, y: number], number>;
    const fail = app.task('tasks.fail', (message: number): number => {
      throw new Error(`never here: ${message}`);
    });
    const failedIds: string[] = [];
    const onError = app.task('tasks.on_error', (taskId: string) => {
      failedIds.push(taskId);
    });
    const result = await chain(add.s(1, 2).set({ queue: tqQueue }), fail.s().set({ queue: pyQueue }), add.s(4).set({ queue: tqQueue }))
      .linkError(onError.s().set({ queue: tqQueue }))
      .applyAsync();
    for (let step: typeof result.parent = result; step !== undefined; step = step.parent) resultIds.add(step.id);
    const error = await result.get({ timeout: 40_000 }).catch((caught: unknown) => caught);
    // Python's mark_as_failure stored its ValueError on the step that never ran, too.
    expect(error).toMatchObject({ code: 'TQ_TASK_FAILED', excType: 'ValueError' });
    const failedStep = result.parent!;
    expect(await failedStep.state()).toBe('FAILURE');
    // Celery 5.2 sends an errback it does not know as a task, with the failed task's id (new style).
    await waitUntil(() => failedIds.length > 0, 20_000, { description: 'the tq errback to run' });
    expect(failedIds).toEqual([failedStep.id]);
  }, 60_000);

  it('runs a chain sent by Python Celery through the same hops, and Python reads 65', async () => {
    const outcome = await python(['send-chain', tqQueue, pyQueue], { E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: pyQueue });
    resultIds.add(outcome.id as string);
    expect(outcome).toMatchObject({ result: 65, parent: 13 });
  }, 60_000);
});
