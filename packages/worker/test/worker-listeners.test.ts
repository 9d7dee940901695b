import { describe, expect, it } from 'vitest';
import { testApp, testWorker, waitFor } from './harness.js';

describe('worker: a faulty event listener is the listener’s problem, not the task’s', () => {
  it('a throwing task-succeeded listener neither fails nor repeats the task; the other listeners still run', async () => {
    const app = testApp();
    let runs = 0;
    const add = app.task('tasks.add', (a: number, b: number) => (runs++, a + b));
    const worker = testWorker(app);
    const errors: string[] = [];
    const seen: string[] = [];
    worker.on('worker-error', ({ error, context }) => errors.push(`${context}: ${(error as Error).message}`));
    worker.on('task-succeeded', () => {
      throw new Error('listener bug');
    });
    worker.on('task-succeeded', async () => Promise.reject(new Error('async listener bug')));
    worker.on('task-succeeded', ({ id }) => seen.push(id));
    await worker.start();

    const result = await add.delay(2, 3);
    expect(await result.get({ timeout: 2_000 })).toBe(5);
    await waitFor(() => errors.length === 2);
    await worker.stop();
    expect(runs).toBe(1);
    expect(seen).toEqual([result.id]);
    expect(errors).toEqual(['a task-succeeded listener: listener bug', 'a task-succeeded listener: async listener bug']);
    expect(worker.stats.succeeded).toBe(1);
  });

  it('a throwing worker-error listener is logged and does not loop', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    let calls = 0;
    worker.on('worker-error', () => {
      calls++;
      throw new Error('worse');
    });
    worker.on('task-started', () => {
      throw new Error('bad');
    });
    await worker.start();
    expect(await (await add.delay(1, 1)).get({ timeout: 2_000 })).toBe(2);
    expect(calls).toBe(1);
  });
});
