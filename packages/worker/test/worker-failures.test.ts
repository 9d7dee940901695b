import { describe, expect, it } from 'vitest';
import { Ignore, Reject, TaskFailedError, TaskState, Unrecoverable, type TaskContext } from '@tq/core';
import { testApp, testWorker, waitFor } from './harness.js';

class TransientError extends Error {
  override name = 'TransientError';
}

describe('worker: failures and retries', () => {
  it('stores FAILURE with Celery’s error shape and the stack as traceback', async () => {
    const app = testApp();
    const boom = app.task('tasks.boom', () => {
      throw new TypeError('bad input');
    });
    await testWorker(app).start();
    const result = await boom.delay();
    await expect(result.get({ timeout: 2_000 })).rejects.toThrow(TaskFailedError);
    const info = await result.info();
    expect(info.status).toBe(TaskState.FAILURE);
    expect(info.result).toEqual({ exc_type: 'TypeError', exc_message: ['bad input'], exc_module: 'builtins' });
    expect(info.traceback).toContain('TypeError: bad input');
    const error = await result.get({ timeout: 100 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TQ_TASK_FAILED', excType: 'TypeError' });
  });

  it('retries with the task’s policy until it succeeds, recording RETRY in between', async () => {
    const app = testApp();
    const states: string[] = [];
    const flaky = app.task(
      'tasks.flaky',
      function (this: TaskContext) {
        if (this.retries < 2) throw new TransientError(`attempt ${this.retries}`);
        return this.retries;
      },
      { retry: { max: 3, backoff: 'fixed', delay: 20, jitter: false } },
    );
    const worker = testWorker(app);
    worker.on('task-retried', (event) => states.push(`retry ${event.retries} after ${event.delayMs}ms`));
    await worker.start();
    const result = await flaky.delay();
    expect(await result.get({ timeout: 3_000 })).toBe(2);
    expect(states).toEqual(['retry 1 after 20ms', 'retry 2 after 20ms']);
  });

  it('fails with the original error once max retries are used up', async () => {
    const app = testApp();
    let attempts = 0;
    const always = app.task(
      'tasks.always_fails',
      () => {
        attempts++;
        throw new TransientError('still down');
      },
      { retry: { max: 2, delay: 1, jitter: false } },
    );
    await testWorker(app).start();
    const result = await always.delay();
    await expect(result.get({ timeout: 3_000 })).rejects.toThrow(/TransientError: still down/);
    expect(attempts).toBe(3);
    expect((await result.info()).retries).toBe(2);
  });

  it('does not retry Unrecoverable errors, nor errors outside autoretryFor', async () => {
    const app = testApp();
    let attempts = 0;
    const fatal = app.task(
      'tasks.fatal',
      () => {
        attempts++;
        throw new Unrecoverable('invalid card');
      },
      { retry: { max: 5, delay: 1 } },
    );
    const picky = app.task(
      'tasks.picky',
      () => {
        attempts++;
        throw new RangeError('bug');
      },
      { retry: { max: 5, delay: 1, autoretryFor: [TransientError] } },
    );
    await testWorker(app).start();
    await expect((await fatal.delay()).get({ timeout: 2_000 })).rejects.toThrow(/invalid card/);
    await expect((await picky.delay()).get({ timeout: 2_000 })).rejects.toThrow(/RangeError: bug/);
    expect(attempts).toBe(2);
  });

  it('retries when the task calls this.retry(), even without a policy, honouring its countdown', async () => {
    const app = testApp();
    const seen: number[] = [];
    const polite = app.task('tasks.polite', function (this: TaskContext) {
      seen.push(Date.now());
      if (this.retries === 0) this.retry({ countdown: 150 });
      return 'second time lucky';
    });
    await testWorker(app).start();
    expect(await (await polite.delay()).get({ timeout: 3_000 })).toBe('second time lucky');
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(145);
  });

  it('acks and records nothing when the task raises Ignore', async () => {
    const app = testApp();
    const skip = app.task('tasks.skip', () => {
      throw new Ignore();
    });
    const worker = testWorker(app);
    const ignored: string[] = [];
    worker.on('task-ignored', (event) => ignored.push(event.id));
    await worker.start();
    const result = await skip.delay();
    await waitFor(() => ignored.length === 1);
    expect(await result.state()).toBe(TaskState.STARTED);
    expect((await app.broker.stats('celery')).ready).toBe(0);
  });

  it('dead-letters the message with the reason when an acksLate task raises Reject', async () => {
    const app = testApp();
    const refuse = app.task('tasks.refuse', () => {
      throw new Reject('payload references a deleted user');
    }, { acksLate: true });
    const worker = testWorker(app);
    await worker.start();
    await refuse.delay();
    await waitFor(async () => (await app.broker.stats('celery')).dead === 1);
    const [dead] = await app.broker.deadLetters('celery');
    expect(dead!.reason).toEqual({ code: 'TQ_REJECT', message: 'payload references a deleted user' });
  });
});

describe('worker: a backend that fails', () => {
  it('requeues an acksLate task whose final state could not be stored, so the outcome is not lost', async () => {
    const app = testApp();
    const backend = app.backend!;
    const realStore = backend.storeState.bind(backend);
    let refusals = 0;
    backend.storeState = async (taskId, update) => {
      if (update.status === TaskState.SUCCESS && refusals++ === 0) throw new Error('backend connection reset');
      return realStore(taskId, update);
    };
    let runs = 0;
    const job = app.task('tasks.recorded', () => ++runs, { acksLate: true });
    const worker = testWorker(app);
    const errors: string[] = [];
    worker.on('worker-error', (event) => errors.push(event.context));
    await worker.start();
    const result = await job.delay();
    expect(await result.get({ timeout: 3_000 })).toBe(2);
    expect(runs).toBe(2);
    expect(errors).toEqual([`storing SUCCESS for ${result.id}`]);
  });
});
