import { describe, expect, it } from 'vitest';
import { TaskState, type TaskContext } from '@tq/core';
import { testApp, testWorker, sleep } from './harness.js';

describe('worker: running tasks', () => {
  it('runs a task and stores its result for AsyncResult.get', async () => {
    const app = testApp();
    const add = app.task('tasks.add', async (x: number, y: number) => x + y);
    await testWorker(app).start();
    const result = await add.delay(2, 3);
    expect(await result.get({ timeout: 2_000 })).toBe(5);
    expect(await result.state()).toBe(TaskState.SUCCESS);
  });

  it('stores STARTED while the task runs, with the worker name', async () => {
    const app = testApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task('tasks.slow', async () => {
      await gate;
      return 'done';
    });
    await testWorker(app, { hostname: 'tq@test' }).start();
    const result = await slow.delay();
    await expect.poll(() => result.state()).toBe(TaskState.STARTED);
    expect((await result.info()).worker).toBe('tq@test');
    release();
    expect(await result.get({ timeout: 2_000 })).toBe('done');
  });

  it('records extended fields on SUCCESS: name, args, kwargs, retries, queue', async () => {
    const app = testApp();
    const echo = app.task('tasks.echo', (value: string) => value);
    await testWorker(app).start();
    const result = await echo.delay('x');
    await result.get({ timeout: 2_000 });
    expect(await result.info()).toMatchObject({ name: 'tasks.echo', args: ['x'], kwargs: {}, retries: 0, queue: 'celery', status: 'SUCCESS', result: 'x' });
    expect((await result.info()).date_done).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    const app = testApp();
    let running = 0;
    let peak = 0;
    const task = app.task('tasks.busy', async () => {
      peak = Math.max(peak, ++running);
      await sleep(10);
      running--;
    });
    await testWorker(app, { concurrency: 3, prefetch: 10 }).start();
    const results = await Promise.all(Array.from({ length: 30 }, () => task.delay()));
    await Promise.all(results.map((result) => result.get({ timeout: 5_000 })));
    expect(peak).toBe(3);
  });

  it('binds the task context to `this`: id, retries, queue, signal', async () => {
    const app = testApp();
    const inspect = app.task('tasks.inspect', function (this: TaskContext) {
      return { id: this.id, name: this.name, retries: this.retries, queue: this.queue, aborted: this.signal.aborted, rootId: this.rootId };
    });
    await testWorker(app, { queues: ['celery', 'other'] }).start();
    const result = await inspect.applyAsync([], { queue: 'other' });
    expect(await result.get({ timeout: 2_000 })).toEqual({ id: result.id, name: 'tasks.inspect', retries: 0, queue: 'other', aborted: false, rootId: result.id });
  });

  it('maps Celery keyword arguments onto named parameters, or passes them as a trailing object', async () => {
    const app = testApp();
    app.task('tasks.named', (x: number, y: number) => x - y, { argNames: ['x', 'y'] });
    app.task('tasks.loose', (...args: unknown[]) => args);
    await testWorker(app).start();
    expect(await (await app.sendTask('tasks.named', [], { kwargs: { y: 1, x: 10 } })).get({ timeout: 2_000 })).toBe(9);
    expect(await (await app.sendTask('tasks.loose', [1], { kwargs: { flag: true } })).get({ timeout: 2_000 })).toEqual([1, { flag: true }]);
  });

  it('stores custom states from updateState, e.g. progress', async () => {
    const app = testApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = app.task('tasks.progress', async function (this: TaskContext) {
      await this.updateState('PROGRESS', { done: 1, total: 2 });
      await gate;
      return 'ok';
    });
    await testWorker(app).start();
    const result = await job.delay();
    await expect.poll(() => result.state()).toBe('PROGRESS');
    expect((await result.info()).result).toEqual({ done: 1, total: 2 });
    release();
    await result.get({ timeout: 2_000 });
  });

  it('does not store anything for ignoreResult tasks', async () => {
    const app = testApp();
    let ran = false;
    const fire = app.task('tasks.fire', () => (ran = true), { ignoreResult: true });
    const worker = testWorker(app);
    await worker.start();
    const result = await fire.delay();
    await expect.poll(() => ran).toBe(true);
    await worker.onIdle();
    expect(await result.state()).toBe(TaskState.PENDING);
  });
});
