import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp, TaskState, type TaskContext } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { enableEager } from '../src/eager.js';

function eagerApp() {
  const namespace = `eager-${randomUUID()}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
  return { app, eager: enableEager(app) };
}

describe('eager mode', () => {
  it('runs the task before delay() resolves, and stores the result', async () => {
    const { app } = eagerApp();
    const calls: number[] = [];
    const add = app.task('tasks.add', (x: number, y: number) => {
      calls.push(x + y);
      return x + y;
    });
    const result = await add.delay(2, 3);
    expect(calls).toEqual([5]);
    expect(await result.state()).toBe(TaskState.SUCCESS);
    expect(await result.get({ timeout: 100 })).toBe(5);
    expect((await app.broker.stats('celery')).ready).toBe(0);
  });

  it('goes through serialization like a real worker: a value JSON cannot carry fails at send', async () => {
    const { app } = eagerApp();
    const store = app.task('tasks.store', (value: unknown) => value);
    await expect(store.delay(() => 1)).rejects.toMatchObject({ code: 'TQ_SERIALIZATION' });
  });

  it('runs retries at once, one after another, and ends in the final state', async () => {
    const { app } = eagerApp();
    const attempts: number[] = [];
    const flaky = app.task(
      'tasks.flaky',
      function (this: TaskContext) {
        attempts.push(this.retries);
        throw new Error('always');
      },
      { retry: { max: 2, delay: '1h' } },
    );
    const started = Date.now();
    const result = await flaky.delay();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toEqual([0, 1, 2]);
    expect(await result.state()).toBe(TaskState.FAILURE);
  });

  it('records unknown tasks as failures and keeps the dead letter for inspection', async () => {
    const { app, eager } = eagerApp();
    const result = await app.sendTask('tasks.nope');
    expect(await result.state()).toBe(TaskState.FAILURE);
    expect(eager.deadLetters.map((dead) => dead.reason.code)).toEqual(['TQ_UNKNOWN_TASK']);
  });

  it('sends through the broker again after restore()', async () => {
    const { app, eager } = eagerApp();
    const add = app.task('tasks.add', (x: number, y: number) => x + y);
    eager.restore();
    const result = await add.delay(1, 1);
    expect(await result.state()).toBe(TaskState.PENDING);
    expect((await app.broker.stats('celery')).ready).toBe(1);
  });
});
