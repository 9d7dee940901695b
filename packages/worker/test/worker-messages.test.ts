import { describe, expect, it } from 'vitest';
import { TaskState, createInvocation, encodeTaskMessage, jsonSerializer, type TaskContext } from '@tq/core';
import { testApp, testWorker, waitFor } from './harness.js';

describe('worker: messages it cannot run', () => {
  it('dead-letters a task it does not know, records FAILURE, and keeps going', async () => {
    const app = testApp();
    const ok = app.task('tasks.ok', () => 'fine');
    await testWorker(app).start();
    const unknown = await app.sendTask('tasks.missing', [1]);
    await expect(unknown.get({ timeout: 2_000 })).rejects.toThrow(/UnknownTaskError/);
    const [dead] = await app.broker.deadLetters('celery');
    expect(dead!.reason.code).toBe('TQ_UNKNOWN_TASK');
    expect(dead!.reason.message).toContain('Task "tasks.missing" is not registered');
    expect(await (await ok.delay()).get({ timeout: 2_000 })).toBe('fine');
  });

  it('dead-letters a malformed message with the reason, and keeps going', async () => {
    const app = testApp();
    const ok = app.task('tasks.ok', () => 'fine');
    await testWorker(app).start();
    await app.broker.publish(
      { body: new TextEncoder().encode('{not json'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { task: 'tasks.ok', id: 'x1', lang: 'py' }, properties: {} },
      { queue: 'celery' },
    );
    await app.broker.publish({ body: new Uint8Array([1, 2]), contentType: 'application/x-unknown', contentEncoding: 'binary', headers: {}, properties: {} }, { queue: 'celery' });
    await waitFor(async () => (await app.broker.stats('celery')).dead === 2);
    const reasons = (await app.broker.deadLetters('celery')).map((dead) => dead.reason.code).sort();
    expect(reasons).toEqual(['TQ_MALFORMED_MESSAGE', 'TQ_UNSUPPORTED_CONTENT_TYPE'].sort());
    expect(await (await ok.delay()).get({ timeout: 2_000 })).toBe('fine');
  });
});

describe('worker: timing', () => {
  it('revokes a task that expired before it started, without running it', async () => {
    const app = testApp();
    let ran = false;
    const late = app.task('tasks.late', () => (ran = true));
    const result = await late.applyAsync([], { expires: new Date(Date.now() - 1_000) });
    await testWorker(app).start();
    await expect(result.get({ timeout: 2_000 })).rejects.toThrow(/revoked: expired/);
    expect(await result.state()).toBe(TaskState.REVOKED);
    expect(ran).toBe(false);
  });

  it('runs a countdown task no earlier than due', async () => {
    const app = testApp();
    const stamp = app.task('tasks.stamp', () => Date.now());
    await testWorker(app).start();
    const sentAt = Date.now();
    const result = await stamp.applyAsync([], { countdown: 300 });
    expect((await app.broker.stats('celery')).delayed).toBe(1);
    expect((await result.get({ timeout: 3_000 })) - sentAt).toBeGreaterThanOrEqual(300);
  });

  it('hands a message with a future eta (as Celery sends it) back to the broker instead of holding it', async () => {
    const app = testApp();
    app.task('tasks.stamp', () => Date.now());
    const worker = testWorker(app);
    const rescheduled: number[] = [];
    worker.on('task-rescheduled', (event) => rescheduled.push(event.eta));
    await worker.start();
    const eta = Date.now() + 300;
    // Celery publishes eta tasks straight to the queue; only the eta header says to wait.
    const message = encodeTaskMessage(createInvocation({ id: 'eta-1', task: 'tasks.stamp', eta }), jsonSerializer);
    await app.broker.publish(message, { queue: 'celery' });
    await waitFor(() => rescheduled.length === 1);
    expect(worker.stats.active).toBe(0);
    expect((await app.broker.stats('celery')).delayed).toBe(1);
    expect(await app.asyncResult<number>('eta-1').get({ timeout: 3_000 })).toBeGreaterThanOrEqual(eta);
  });

  it('aborts the task’s signal at the soft time limit so it can clean up', async () => {
    const app = testApp();
    const careful = app.task('tasks.careful', async function (this: TaskContext) {
      await new Promise((resolve) => this.signal.addEventListener('abort', resolve));
      return `cleaned up after ${(this.signal.reason as Error).name}`;
    }, { softTimeLimit: 50 });
    await testWorker(app).start();
    expect(await (await careful.delay()).get({ timeout: 2_000 })).toBe('cleaned up after SoftTimeLimitExceededError');
  });

  it('fails a task that runs past its hard time limit', async () => {
    const app = testApp();
    const stuck = app.task('tasks.stuck', () => new Promise(() => undefined), { timeLimit: 50 });
    const worker = testWorker(app, { concurrency: 1 });
    await worker.start();
    await expect((await stuck.delay()).get({ timeout: 2_000 })).rejects.toThrow(/TimeLimitExceededError/);
    // The abandoned run frees its slot (its promise never settles).
    await waitFor(() => worker.stats.active === 0);
  });
});
