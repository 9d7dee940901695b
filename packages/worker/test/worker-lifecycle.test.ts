import { describe, expect, it } from 'vitest';
import { TaskState, type TaskContext } from '@tq/core';
import { simulateConsumerLoss } from '@tq/core/memory';
import { Worker } from '../src/worker.js';
import { testApp, testWorker, waitFor } from './harness.js';

describe('worker: acknowledgement and shutdown', () => {
  it('redelivers an acksLate task whose worker died mid-run, and it completes elsewhere', async () => {
    const app = testApp();
    let runs = 0;
    const important = app.task('tasks.important', function (this: TaskContext) {
      runs++;
      // The first worker "dies" during the first run: it never finishes.
      return this.redelivered ? 'done on the second worker' : new Promise(() => undefined);
    }, { acksLate: true });
    const first = testWorker(app);
    await first.start();
    const result = await important.delay();
    await waitFor(() => runs === 1);
    await simulateConsumerLoss(first['consumer']!);
    await testWorker(app).start();
    expect(await result.get({ timeout: 3_000 })).toBe('done on the second worker');
    expect(runs).toBe(2);
  });

  it('loses an early-acked task whose worker died mid-run (Celery’s default), which is why acksLate exists', async () => {
    const app = testApp();
    let runs = 0;
    const casual = app.task('tasks.casual', () => {
      runs++;
      return new Promise(() => undefined);
    });
    const first = testWorker(app);
    await first.start();
    await casual.delay();
    await waitFor(() => runs === 1);
    await simulateConsumerLoss(first['consumer']!);
    expect(await app.broker.stats('celery')).toMatchObject({ ready: 0, inFlight: 0 });
  });

  it('warm shutdown finishes running tasks and returns unstarted ones to the queue', async () => {
    const app = testApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = app.task('tasks.job', async () => {
      await gate;
      return 'finished';
    }, { acksLate: true });
    const worker = new Worker(app, { concurrency: 2, prefetch: 10, logLevel: 'silent' });
    await worker.start();
    const results = await Promise.all(Array.from({ length: 6 }, () => job.delay()));
    await waitFor(() => worker.stats.active === 2 && worker.stats.buffered === 4);
    const stopping = worker.stop();
    await waitFor(async () => (await app.broker.stats('celery')).ready === 4);
    release();
    await stopping;
    expect(worker.state).toBe('stopped');
    const states = await Promise.all(results.map((result) => result.state()));
    expect(states.filter((state) => state === TaskState.SUCCESS)).toHaveLength(2);
    expect(await app.broker.stats('celery')).toMatchObject({ ready: 4, inFlight: 0 });
  });

  it('cold shutdown aborts running tasks through their signal', async () => {
    const app = testApp();
    const reasons: string[] = [];
    const job = app.task('tasks.long', async function (this: TaskContext) {
      await new Promise((resolve) => this.signal.addEventListener('abort', resolve));
      reasons.push((this.signal.reason as Error).message);
    });
    const worker = testWorker(app);
    await worker.start();
    await job.delay();
    await waitFor(() => worker.stats.active === 1);
    await worker.stop({ cold: true, timeoutMs: 0 });
    expect(reasons).toEqual(['worker cold shutdown']);
  });

  it('refuses a prefetch below concurrency, naming why', () => {
    const app = testApp();
    expect(() => new Worker(app, { concurrency: 10, prefetch: 5 })).toThrow(/prefetch \(5\) must be an integer of at least concurrency \(10\)/);
    expect(() => new Worker(app, { concurrency: 0 })).toThrow(/positive integer/);
  });
});

describe('worker: start-up errors', () => {
  it('rejects start() with the typed error and ends stopped when the broker URL is wrong', async () => {
    const { createApp } = await import('@tq/core');
    const app = createApp({ broker: 'amqp-typo://127.0.0.1' });
    const worker = new Worker(app, { logLevel: 'silent' });
    await expect(worker.start()).rejects.toMatchObject({ code: 'TQ_UNKNOWN_SCHEME' });
    expect(worker.state).toBe('stopped');
  });
});
