import { describe, expect, it } from 'vitest';
import { Retry } from '@tq/core';
import { testApp, testWorker, waitFor } from './harness.js';

describe("hooks (Celery's signals), typed, on the app and the worker", () => {
  it('before-publish may add headers that travel with the message; after-publish sees the send', async () => {
    const app = testApp();
    const seen: string[] = [];
    app.hooks.on('before-publish', (call) => {
      call.headers.tenant = 'acme';
      seen.push(`before ${call.task} ${JSON.stringify(call.args)} → ${call.queue}`);
    });
    app.hooks.on('after-publish', (call) => void seen.push(`after ${call.task} ${call.id}`));
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const sent = await add.delay(2, 3);
    expect(seen).toEqual(['before tasks.add [2,3] → celery', `after tasks.add ${sent.id}`]);
    // On the wire: the header is the message's own, next to Celery's.
    const taken: Array<{ headers: Record<string, unknown> }> = [];
    const consumer = await app.broker.consume(['celery'], (delivery) => void taken.push(delivery.message), { prefetch: 1 });
    await waitFor(() => taken.length === 1);
    await consumer.cancel();
    expect(taken[0]!.headers).toMatchObject({ id: sent.id, task: 'tasks.add', tenant: 'acme' });
  });

  it('runs task-prerun, task-success and task-postrun around a task, with its arguments and the worker hostname', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app, { hostname: 'tq@hooks' });
    const calls: string[] = [];
    app.hooks.on('task-prerun', (task) => void calls.push(`prerun ${task.task} ${JSON.stringify(task.args)} on ${task.hostname}`));
    app.hooks.on('task-success', (task) => void calls.push(`success ${task.result}`));
    worker.hooks.on('task-postrun', (task) => void calls.push(`postrun ${task.state} ${task.result}`));
    await worker.start();
    expect(await (await add.delay(2, 3)).get({ timeout: 2_000 })).toBe(5);
    await waitFor(() => calls.length === 3);
    expect(calls).toEqual(['prerun tasks.add [2,3] on tq@hooks', 'success 5', 'postrun SUCCESS 5']);
  });

  it('task-failure carries the error and its traceback; task-retry the delay', async () => {
    const app = testApp();
    let attempts = 0;
    const flaky = app.task('tasks.flaky', () => {
      if (++attempts === 1) throw new Retry({ countdown: 0 });
      throw new TypeError('bad input');
    });
    const worker = testWorker(app);
    const calls: string[] = [];
    app.hooks.on('task-retry', (task) => void calls.push(`retry after ${task.delayMs}ms`));
    app.hooks.on('task-failure', (task) => void calls.push(`failure ${(task.error as Error).name}: ${(task.error as Error).message}; traceback ${task.traceback?.includes('bad input')}; retries ${task.retries}`));
    app.hooks.on('task-postrun', (task) => void calls.push(`postrun ${task.state}`));
    await worker.start();
    await expect((await flaky.delay()).get({ timeout: 3_000 })).rejects.toThrow('bad input');
    await waitFor(() => calls.length === 4);
    expect(calls).toEqual(['retry after 0ms', 'postrun RETRY', 'failure TypeError: bad input; traceback true; retries 1', 'postrun FAILURE']);
  });

  it('task-revoked says whether the task expired; worker-ready and worker-shutdown bracket the worker', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app, { hostname: 'tq@life' });
    const calls: string[] = [];
    app.hooks.on('worker-ready', ({ hostname }) => void calls.push(`ready ${hostname}`));
    app.hooks.on('task-revoked', (task) => void calls.push(`revoked ${task.task} expired=${task.expired}`));
    app.hooks.on('worker-shutdown', ({ cold }) => void calls.push(`shutdown cold=${cold}`));
    await add.applyAsync([1, 1], { expires: new Date(Date.now() - 1_000) });
    await worker.start();
    await waitFor(() => calls.length === 2);
    await worker.stop();
    expect(calls).toEqual(['ready tq@life', 'revoked tasks.add expired=true', 'shutdown cold=false']);
  });

  it('a failing hook is logged as a worker error and fails neither the send nor the task', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    const errors: string[] = [];
    worker.on('worker-error', ({ context, error }) => errors.push(`${context}: ${(error as Error).message}`));
    app.hooks.on('before-publish', () => {
      throw new Error('publish hook bug');
    });
    app.hooks.on('task-success', async () => Promise.reject(new Error('success hook bug')));
    worker.hooks.on('task-prerun', () => {
      throw new Error('prerun hook bug');
    });
    await worker.start();
    expect(await (await add.delay(1, 2)).get({ timeout: 2_000 })).toBe(3);
    await waitFor(() => errors.length === 3);
    expect(errors.sort()).toEqual(['a before-publish hook: publish hook bug', 'a task-prerun hook: prerun hook bug', 'a task-success hook: success hook bug']);
  });

  it('on() returns a function that removes the hook', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    let calls = 0;
    const off = app.hooks.on('before-publish', () => void calls++);
    await add.delay(1, 1);
    off();
    await add.delay(1, 1);
    expect(calls).toBe(1);
  });
});
