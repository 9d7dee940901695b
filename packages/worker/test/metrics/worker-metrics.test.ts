import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Retry } from '@tq/core';
import { workerMetrics } from '../../src/metrics/index.js';
import { testApp, testWorker, waitFor } from '../harness.js';

/** The value of one series, e.g. value(registry, 'tq_tasks_succeeded_total', { task: 'tasks.add' }). */
async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, ''));
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((entry) => ((entry as { metricName?: string }).metricName ?? name) === name && Object.entries(labels).every(([key, wanted]) => String(entry.labels[key]) === wanted));
  return found?.value;
}

describe('worker metrics (Prometheus, from the worker event stream)', () => {
  it('counts received, started, succeeded, failed and retried per task and queue, and times runtime and queue wait', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const boom = app.task('tasks.boom', () => {
      throw new TypeError('bad arg');
    });
    let attempts = 0;
    const flaky = app.task('tasks.flaky', () => {
      if (++attempts < 3) throw new Retry({ countdown: 0 });
      return 'ok';
    });
    const worker = testWorker(app);
    const registry = new Registry();
    workerMetrics(worker, { registry, defaultMetrics: false });
    await worker.start();

    const results = [await add.delay(1, 2), await add.delay(3, 4), await add.delay(5, 6)];
    for (const result of results) await result.get({ timeout: 2_000 });
    await expect((await boom.delay()).get({ timeout: 2_000 })).rejects.toThrow('bad arg');
    expect(await (await flaky.delay()).get({ timeout: 5_000 })).toBe('ok');
    await waitFor(async () => (await value(registry, 'tq_tasks_succeeded_total', { task: 'tasks.flaky' })) === 1);

    const celery = { queue: 'celery' };
    expect(await value(registry, 'tq_tasks_received_total', { task: 'tasks.add', ...celery })).toBe(3);
    expect(await value(registry, 'tq_tasks_started_total', { task: 'tasks.add', ...celery })).toBe(3);
    expect(await value(registry, 'tq_tasks_succeeded_total', { task: 'tasks.add', ...celery })).toBe(3);
    expect(await value(registry, 'tq_tasks_failed_total', { task: 'tasks.boom', ...celery })).toBe(1);
    expect(await value(registry, 'tq_tasks_succeeded_total', { task: 'tasks.boom' })).toBeUndefined();
    // A retry is a new delivery of the same id: received three times, retried twice, succeeded once.
    expect(await value(registry, 'tq_tasks_received_total', { task: 'tasks.flaky' })).toBe(3);
    expect(await value(registry, 'tq_tasks_retried_total', { task: 'tasks.flaky' })).toBe(2);
    expect(await value(registry, 'tq_task_runtime_seconds_count', { task: 'tasks.add' })).toBe(3);
    expect(await value(registry, 'tq_task_runtime_seconds_count', { task: 'tasks.boom' })).toBe(1);
    // tq stamps the send time, so every start has a queue wait, retries included.
    expect(await value(registry, 'tq_task_queue_wait_seconds_count', { task: 'tasks.add' })).toBe(3);
    expect(await value(registry, 'tq_task_queue_wait_seconds_count', { task: 'tasks.flaky' })).toBe(3);
    expect(await value(registry, 'tq_task_queue_wait_seconds_sum', { task: 'tasks.add' })).toBeLessThan(2);
  });

  it('measures the queue wait of a countdown from when it fell due, not from when it was sent', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    const registry = new Registry();
    workerMetrics(worker, { registry, defaultMetrics: false });
    await worker.start();
    await (await add.applyAsync([1, 2], { countdown: 0.5 })).get({ timeout: 3_000 });
    await waitFor(async () => (await value(registry, 'tq_task_queue_wait_seconds_count', { task: 'tasks.add' })) === 1);
    // Due after 0.5 s and started soon after: well under the countdown itself.
    expect(await value(registry, 'tq_task_queue_wait_seconds_sum', { task: 'tasks.add' })).toBeLessThan(0.4);
  });

  it('counts rejected and dead-lettered messages by reason code, and reads gauges when scraped', async () => {
    const app = testApp();
    const worker = testWorker(app, { concurrency: 3 });
    const registry = new Registry();
    workerMetrics(worker, { registry, defaultMetrics: false });
    await worker.start();
    await app.broker.publish({ body: new TextEncoder().encode('[[], {}, {}]'), contentType: 'application/json', contentEncoding: 'utf-8', headers: { id: 'x1', task: 'tasks.nobody' }, properties: {} }, { queue: 'celery' });
    await waitFor(async () => (await value(registry, 'tq_dead_lettered_total', { queue: 'celery', reason: 'TQ_UNKNOWN_TASK' })) === 1);
    expect(await value(registry, 'tq_messages_rejected_total', { queue: 'celery', reason: 'TQ_UNKNOWN_TASK', requeued: 'false' })).toBe(1);
    expect(await value(registry, 'tq_worker_concurrency')).toBe(3);
    expect(await value(registry, 'tq_tasks_active')).toBe(0);
    expect(await value(registry, 'tq_broker_connected')).toBe(1);
    expect(await value(registry, 'tq_worker_info', { hostname: worker.hostname, pool: 'async' })).toBe(1);
  });

  it('shows running tasks in tq_tasks_active while they run, and the Node defaults when asked', async () => {
    const app = testApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task('tasks.slow', async () => gate);
    const worker = testWorker(app);
    const registry = new Registry();
    workerMetrics(worker, { registry });
    await worker.start();
    const results = [await slow.delay(), await slow.delay()];
    await waitFor(async () => (await value(registry, 'tq_tasks_active')) === 2);
    release();
    for (const result of results) await result.get({ timeout: 2_000 });
    // The result is stored just before the slot is freed.
    await waitFor(async () => (await value(registry, 'tq_tasks_active')) === 0);
    const text = await registry.metrics();
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toMatch(/^tq_tasks_succeeded_total\{task="tasks.slow",queue="celery"\} 2$/m);
  });

  it('close() stops counting and removes tq metrics from a shared registry', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    const registry = new Registry();
    await worker.start();
    const before = worker.listenerCount('task-succeeded');
    const metrics = workerMetrics(worker, { registry, defaultMetrics: false });
    await (await add.delay(1, 2)).get({ timeout: 2_000 });
    metrics.close();
    expect(registry.getSingleMetric('tq_tasks_succeeded_total')).toBeUndefined();
    expect(worker.listenerCount('task-succeeded')).toBe(before);
  });
});
