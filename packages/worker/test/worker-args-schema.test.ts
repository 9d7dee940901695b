import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { TaskState } from '@tq/core';
import { testApp, testWorker } from './harness.js';

describe('worker: task argument schemas', () => {
  it('fails a call with invalid arguments as TQ_INVALID_ARGUMENTS, stored as a Celery exception, without running it', async () => {
    const app = testApp();
    let runs = 0;
    const add = app.task(
      'tasks.add',
      (x, y) => {
        runs++;
        return x + y;
      },
      { args: z.tuple([z.number(), z.number()]) },
    );
    const worker = testWorker(app);
    const failures: unknown[] = [];
    worker.on('task-failed', (event) => failures.push(event.error));
    await worker.start();
    // What a Python or CLI producer sends: no send-side check.
    const result = await add.applyAsync(['7', 8] as unknown as [number, number], { validate: false });
    await expect(result.get({ timeout: 2_000 })).rejects.toThrow(/InvalidArgumentsError: Invalid arguments for task "tasks\.add": args\[0\]: /);
    const info = await result.info();
    expect(info.status).toBe(TaskState.FAILURE);
    expect(info.result).toEqual({ exc_type: 'InvalidArgumentsError', exc_message: [expect.stringContaining('args[0]: ')], exc_module: 'tq.exceptions' });
    expect(failures).toEqual([expect.objectContaining({ code: 'TQ_INVALID_ARGUMENTS', issues: [{ path: [0], message: expect.any(String) }] })]);
    expect(runs).toBe(0);
  });

  it('never retries invalid arguments, even under a retry policy that retries every error', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (x, y) => x + y, { args: v.tuple([v.number(), v.number()]), retry: { max: 3, delay: 1, jitter: false } });
    const worker = testWorker(app);
    let retried = 0;
    worker.on('task-retried', () => retried++);
    await worker.start();
    const result = await add.applyAsync([1, null] as unknown as [number, number], { validate: false });
    await expect(result.get({ timeout: 2_000 })).rejects.toThrow(/args\[1\]/);
    expect(retried).toBe(0);
    expect(worker.stats).toMatchObject({ failed: 1, retried: 0 });
  });

  it('passes the schema output to the function, kwargs mapped through argNames first', async () => {
    const app = testApp();
    const scale = app.task('tasks.scale', (value, factor) => value * factor, {
      args: z.tuple([z.coerce.number(), z.number().default(10)]),
      argNames: ['value', 'factor'],
    });
    await testWorker(app).start();
    expect(await (await scale.applyAsync(['4'] as unknown as [number])).get({ timeout: 2_000 })).toBe(40);
    expect(await (await app.sendTask('tasks.scale', [], { kwargs: { value: '3', factor: 2 } })).get({ timeout: 2_000 })).toBe(6);
    const bad = await app.sendTask('tasks.scale', [], { kwargs: { value: 'x' }, validate: false });
    await expect(bad.get({ timeout: 2_000 })).rejects.toThrow(/args\[0\]/);
  });
});
