import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TaskState, type App } from '@tq/core';
import { definePoolTasks } from '../fixtures/pool-app.js';
import { testApp, testWorker, waitFor } from '../harness.js';
import type { Worker } from '../../src/worker.js';

/**
 * Celery's pool_grow, pool_shrink, autoscale and time_limit control commands on a tq worker, sent
 * through app.control as `celery control` sends them, with the reply shapes Celery gives.
 */
const appModule = fileURLToPath(new URL('../fixtures/pool-app.ts', import.meta.url));
const size = (worker: Worker): number => (worker.pool as unknown as { size: number }).size;

async function command(app: App, hostname: string, method: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const replies = await app.control.broadcast(method, args, { reply: true, destination: [hostname], timeoutMs: 2_000 });
  return replies.find((reply) => hostname in reply)?.[hostname];
}

describe('resizing a threads pool by remote control', () => {
  it('pool_grow adds members that run tasks at once, pool_shrink stops them, and concurrency follows', async () => {
    const app = testApp();
    const tasks = definePoolTasks(app);
    const worker = testWorker(app, { pool: 'threads', appModule, concurrency: 1, prefetch: 8, hostname: 'tq@grow' });
    await worker.start();
    expect(await command(app, 'tq@grow', 'pool_grow', { n: 2 })).toEqual({ ok: 'pool will grow' });
    expect(worker.concurrency).toBe(3);
    const ran = await Promise.all((await Promise.all([1, 2, 3].map(() => tasks.sleepy.delay(1_000)))).map((result) => result.get({ timeout: 10_000 })));
    expect(new Set(ran).size).toBe(3);

    expect(await command(app, 'tq@grow', 'pool_shrink', { n: 2 })).toEqual({ ok: 'pool will shrink' });
    expect(worker.concurrency).toBe(1);
    await waitFor(() => size(worker) === 1, 5_000);
    expect(await command(app, 'tq@grow', 'pool_shrink', { n: 1 })).toEqual({ error: 'cannot shrink the pool below 1 member (it has 1)' });
    expect(await command(app, 'tq@grow', 'autoscale', { max: 4, min: 1 })).toEqual({ error: 'Autoscale not enabled' });
  });

  it('a pool shrunk while every member is busy stops the surplus once their tasks are done, losing none', async () => {
    const app = testApp();
    const tasks = definePoolTasks(app);
    const worker = testWorker(app, { pool: 'threads', appModule, concurrency: 3, hostname: 'tq@busy' });
    await worker.start();
    const results = await Promise.all([1, 2, 3].map(() => tasks.sleepy.delay(800)));
    await waitFor(() => worker.stats.active === 3, 5_000);
    expect(await command(app, 'tq@busy', 'pool_shrink', { n: 2 })).toEqual({ ok: 'pool will shrink' });
    await Promise.all(results.map((result) => result.get({ timeout: 10_000 })));
    await waitFor(() => size(worker) === 1, 5_000);
  });

  it('autoscale max min moves an autoscaled pool’s bounds; pool_grow is refused there, as Celery refuses it', async () => {
    const app = testApp();
    definePoolTasks(app);
    const worker = testWorker(app, { pool: 'threads', appModule, autoscale: [3, 1], hostname: 'tq@auto' });
    await worker.start();
    expect(size(worker)).toBe(1);
    expect(await command(app, 'tq@auto', 'autoscale', { max: 5, min: 2 })).toEqual({ ok: 'autoscale now max=5 min=2' });
    await waitFor(() => size(worker) === 2, 5_000);
    expect(worker.concurrency).toBe(5);
    expect(await command(app, 'tq@auto', 'pool_grow', { n: 1 })).toEqual({ error: 'pool_grow is not supported with autoscale. Adjust autoscale range instead.' });
    expect(await command(app, 'tq@auto', 'autoscale', { max: 1, min: 2 })).toEqual({ error: 'autoscale needs 0 ≤ min ≤ max and max ≥ 1, got max=1 min=2' });
  });

  it('pool_grow on the async pool says there are no members and names the pools that have them', async () => {
    const app = testApp();
    const worker = testWorker(app, { hostname: 'tq@async' });
    await worker.start();
    expect(await command(app, 'tq@async', 'pool_grow', { n: 1 })).toEqual({ error: 'the async pool has no members to grow or shrink; run the worker with --pool threads or processes' });
  });
});

describe('time_limit by remote control', () => {
  it('gives later runs of the task the new hard limit: a CPU-bound run in a member is stopped at it', async () => {
    const app = testApp();
    const tasks = definePoolTasks(app);
    const worker = testWorker(app, { pool: 'threads', appModule, concurrency: 1, hostname: 'tq@limits' });
    await worker.start();
    expect(await command(app, 'tq@limits', 'time_limit', { task_name: 'pool.spin', hard: 0.5, soft: null })).toEqual({ ok: 'time limits set successfully' });
    const spin = await tasks.spin.delay(10_000);
    await expect(spin.get({ timeout: 10_000 })).rejects.toThrow(/hard time limit of 0\.5s/);
    expect(await spin.state()).toBe(TaskState.FAILURE);
    expect(await command(app, 'tq@limits', 'time_limit', { task_name: 'no.such.task', hard: 1 })).toEqual({ error: 'unknown task' });
  });
});
