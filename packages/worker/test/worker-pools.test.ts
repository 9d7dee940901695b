import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TaskState, TimeLimitExceededError } from '@tq/core';
import { AppModuleRequiredError } from '../src/pool/pool-errors.js';
import { definePoolTasks } from './fixtures/pool-app.js';
import { testApp, testWorker, waitFor } from './harness.js';

const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));

describe.each(['threads', 'processes'] as const)('worker pool "%s"', (pool) => {
  const setup = async (options: Parameters<typeof testWorker>[1] = {}) => {
    const app = testApp();
    const tasks = definePoolTasks(app);
    const worker = testWorker(app, { pool, appModule, concurrency: 2, ...options });
    await worker.start();
    return { app, tasks, worker };
  };

  it('runs a task in a member and stores its result', async () => {
    const { tasks } = await setup();
    const result = await tasks.add.delay(1, 2);
    expect(await result.get({ timeout: 10_000 })).toBe(3);
    const [pid, thread] = String(await (await tasks.whoami.delay()).get({ timeout: 10_000 })).split(':');
    // Not the worker's own thread: another thread (threads) or another process (processes).
    expect(pool === 'threads' ? thread !== '0' && pid === String(process.pid) : pid !== String(process.pid)).toBe(true);
  });

  it('revoke --terminate kills the member running a CPU-bound task: REVOKED, and the pool goes on', async () => {
    const { app, tasks, worker } = await setup({ hostname: `tq@terminate-${pool}` });
    const busy = await tasks.spin.delay(20_000);
    await waitFor(() => worker.stats.active === 1, 10_000);
    const replies = await app.control.revoke(busy.id, { terminate: true, destination: [`tq@terminate-${pool}`], reply: true });
    expect(replies).toEqual({ [`tq@terminate-${pool}`]: { ok: `terminate: ${busy.id}` } });
    await waitFor(async () => (await busy.state()) === TaskState.REVOKED, 10_000);
    expect(await (await tasks.add.delay(2, 2)).get({ timeout: 10_000 })).toBe(4);
  });

  it('the hard time limit stops a CPU-bound task: FAILURE TimeLimitExceeded, and a task sent after it runs meanwhile', async () => {
    const { tasks, worker } = await setup();
    const order: string[] = [];
    worker.on('task-succeeded', ({ name }) => order.push(name));
    const failures = new Map<string, unknown>();
    worker.on('task-failed', ({ name, error }) => (order.push(name), failures.set(name, error)));
    const busy = await tasks.busy.delay(5_000);
    const add = await tasks.add.delay(1, 2);
    expect(await add.get({ timeout: 10_000 })).toBe(3);
    await expect(busy.get({ timeout: 10_000 })).rejects.toThrow(/hard time limit of 1s/);
    expect(await busy.state()).toBe(TaskState.FAILURE);
    expect((await busy.info()).result).toMatchObject({ exc_type: 'TimeLimitExceeded', exc_module: 'billiard.exceptions' });
    expect(failures.get('pool.busy')).toBeInstanceOf(TimeLimitExceededError);
    // add finished while busy was still spinning, and the killed member was replaced.
    expect(order).toEqual(['pool.add', 'pool.busy']);
    expect(await (await tasks.add.delay(2, 2)).get({ timeout: 10_000 })).toBe(4);
  });

  it('a member that exits mid-task fails it with WorkerLostError and is replaced', async () => {
    const { tasks } = await setup();
    const lost = await tasks.exit.delay();
    await expect(lost.get({ timeout: 10_000 })).rejects.toThrow(/exited prematurely/);
    expect((await lost.info()).result).toMatchObject({ exc_type: 'WorkerLostError' });
    expect(await (await tasks.add.delay(1, 1)).get({ timeout: 10_000 })).toBe(2);
  });

  it('with acksLate and rejectOnWorkerLost, a lost task is requeued instead of failed', async () => {
    const { tasks, worker } = await setup({ rejectOnWorkerLost: true });
    const requeued: boolean[] = [];
    worker.on('message-rejected', (event) => requeued.push(event.requeued));
    await tasks.exitLate.delay();
    // It dies again on every delivery: seeing two requeues proves it came back.
    await waitFor(() => requeued.length >= 2, 15_000);
    expect(requeued.every(Boolean)).toBe(true);
  });

  it('an error thrown in a member keeps its class name, message, stack and cause', async () => {
    const { tasks } = await setup();
    const result = await tasks.fail.delay();
    await expect(result.get({ timeout: 10_000 })).rejects.toThrow('4000x4000 is over the limit');
    const info = await result.info();
    expect(info.result).toMatchObject({ exc_type: 'ImageTooLargeError', exc_message: ['4000x4000 is over the limit'] });
    expect(info.traceback).toContain('pool-app.ts');
  });

  it('updateState (progress), context fields and retry() work from inside a member', async () => {
    const { app, tasks } = await setup();
    const states: unknown[] = [];
    app.backend!.storeState = ((store) => async (id, update) => {
      if (update.status === 'PROGRESS') states.push(update.result);
      return store(id, update);
    })(app.backend!.storeState.bind(app.backend));
    const result = await tasks.progress.delay(3);
    const value = await result.get({ timeout: 10_000 });
    expect(value).toMatchObject({ id: result.id, retries: 0, queue: app.defaultQueue });
    expect(states).toEqual([{ done: 1, total: 3 }, { done: 2, total: 3 }, { done: 3, total: 3 }]);
    const retried = await tasks.retryOnce.delay();
    expect(await retried.get({ timeout: 10_000 })).toBe('retried 1');
  });

  it('a call sent from inside a member is published by the worker and runs, listed as a child', async () => {
    const { app, tasks } = await setup();
    const parent = await tasks.callAdd.delay();
    const childId = String(await parent.get({ timeout: 10_000 }));
    expect(await app.asyncResult(childId).get({ timeout: 10_000 })).toBe(42);
    expect((await parent.info()).children).toEqual([[[childId, null], null]]);
  });

  it('this.replace() from inside a member sends the canvas in the task\'s place', async () => {
    const { tasks } = await setup();
    expect(await (await tasks.replaceWithAdd.delay()).get({ timeout: 10_000 })).toBe(11);
  });

  it('the soft time limit aborts this.signal inside the member', async () => {
    const { tasks } = await setup();
    expect(await (await tasks.soft.delay()).get({ timeout: 10_000 })).toBe('aborted: SoftTimeLimitExceededError');
  });

  it('maxTasksPerChild: the member is replaced after N tasks', async () => {
    const { tasks } = await setup({ concurrency: 1, maxTasksPerChild: 2 });
    const ids: unknown[] = [];
    for (let i = 0; i < 4; i++) ids.push(await (await tasks.whoami.delay()).get({ timeout: 10_000 }));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[1]).not.toBe(ids[2]);
  });

  it('maxMemoryPerChild: a member over the limit after a task is replaced before its next one', async () => {
    const { tasks } = await setup({ concurrency: 1, maxMemoryPerChild: pool === 'threads' ? 20_000 : 60_000 });
    const first = await (await tasks.hog.delay()).get({ timeout: 10_000 });
    const second = await (await tasks.whoami.delay()).get({ timeout: 10_000 });
    expect(second).not.toBe(first);
  });

  it('autoscale grows members under a backlog and shrinks idle ones to the minimum', async () => {
    const { tasks, worker } = await setup({ autoscale: [3, 1], autoscaleKeepalive: 200 });
    const size = () => (worker.pool as unknown as { size: number }).size;
    expect(size()).toBe(1);
    const results = await Promise.all(Array.from({ length: 3 }, () => tasks.sleepy.delay(3_000)));
    const ran = await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));
    expect(new Set(ran).size).toBe(3);
    await waitFor(() => size() === 1, 10_000);
  });
});

describe('worker pool options', () => {
  it('a threads pool without appModule is a typed configuration error naming the fix', () => {
    const app = testApp();
    expect(() => testWorker(app, { pool: 'threads' })).toThrow(AppModuleRequiredError);
    expect(() => testWorker(app, { pool: 'threads' })).toThrow(/pass appModule/);
  });
});
