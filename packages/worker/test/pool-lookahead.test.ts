import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TaskState } from '@tq/core';
import { definePoolTasks } from './fixtures/pool-app.js';
import { testApp, testWorker, waitFor } from './harness.js';

/**
 * A threads or processes pool takes one task per member beyond those running, so a member goes from
 * one task to the next without waiting for the worker. Such a task has not started: it is not
 * STARTED, a revoke still stops it, and a warm shutdown hands it back to the broker.
 */
const appModule = fileURLToPath(new URL('./fixtures/pool-app.ts', import.meta.url));

describe('tasks waiting for a pool member', () => {
  const setup = async () => {
    const app = testApp();
    const tasks = definePoolTasks(app);
    const worker = testWorker(app, { pool: 'threads', appModule, concurrency: 1, hostname: 'tq@lookahead' });
    const started: string[] = [];
    worker.on('task-started', ({ name }) => started.push(name));
    await worker.start();
    return { app, tasks, worker, started };
  };

  it('are taken while a member is busy, and are STARTED only when the member takes them', async () => {
    const { tasks, worker, started } = await setup();
    const spin = await tasks.spin.delay(1_000);
    const add = await tasks.add.delay(1, 2);
    await waitFor(() => worker.stats.active === 2, 5_000);
    expect(started).toEqual(['pool.spin']);
    expect(await add.state()).toBe(TaskState.PENDING);
    expect(await add.get({ timeout: 10_000 })).toBe(3);
    expect(started).toEqual(['pool.spin', 'pool.add']);
    expect(await spin.state()).toBe(TaskState.SUCCESS);
  });

  it('a revoke while it waits ends it REVOKED without running it', async () => {
    const { app, tasks, worker, started } = await setup();
    await tasks.spin.delay(800);
    const add = await tasks.add.delay(1, 2);
    await waitFor(() => worker.stats.active === 2, 5_000);
    await app.control.revoke(add.id, { destination: ['tq@lookahead'], reply: true });
    await waitFor(async () => (await add.state()) === TaskState.REVOKED, 10_000);
    expect(started).toEqual(['pool.spin']);
  });

  it('a warm shutdown hands it back to the broker unstarted', async () => {
    const { app, tasks, worker, started } = await setup();
    const spin = await tasks.spin.delay(800);
    await tasks.add.delay(1, 2);
    await waitFor(() => worker.stats.active === 2, 5_000);
    await worker.stop();
    expect(await spin.state()).toBe(TaskState.SUCCESS);
    expect(started).toEqual(['pool.spin']);
    expect(await app.broker.stats(app.defaultQueue)).toMatchObject({ ready: 1, inFlight: 0 });
  });
});
