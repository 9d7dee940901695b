import { describe, expect, it } from 'vitest';
import { simulateConsumerLoss, simulateOutage } from '@tq/core/memory';
import { serveMetrics, serveWorkerMetrics, queueMetrics, WorkerHealth } from '../../src/metrics/index.js';
import { testApp, testWorker, waitFor } from '../harness.js';
import { Registry } from 'prom-client';

async function get(url: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('the metrics port: /metrics, /healthz, /readyz', () => {
  it('serves the Prometheus text format, liveness, and readiness that follows the worker', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    const served = await serveWorkerMetrics(worker, { port: 0, host: '127.0.0.1', defaultMetrics: false });
    try {
      expect(await get(`${served.server.url}/healthz`)).toMatchObject({ status: 200, body: 'ok\n' });
      const before = await get(`${served.server.url}/readyz`);
      expect(before.status).toBe(503);
      expect(JSON.parse(before.body)).toEqual({ ready: false, checks: { consuming: 'worker is idle', broker: true, reconnects: true, receiving: true } });

      await worker.start();
      expect(JSON.parse((await get(`${served.server.url}/readyz`)).body)).toEqual({ ready: true, checks: { consuming: true, broker: true, reconnects: true, receiving: true } });
      await (await add.delay(2, 3)).get({ timeout: 2_000 });
      const metrics = await get(`${served.server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
      await waitFor(async () => /^tq_tasks_succeeded_total\{task="tasks.add",queue="celery"\} 1$/m.test((await get(`${served.server.url}/metrics`)).body));
      expect((await get(`${served.server.url}/nope`)).status).toBe(404);

      await worker.stop();
      expect(JSON.parse((await get(`${served.server.url}/readyz`)).body).checks.consuming).toBe('worker is stopped');
    } finally {
      await served.close();
    }
  });

  it('turns unready while the broker connection is lost, and ready again once it is back', async () => {
    const app = testApp();
    const worker = testWorker(app);
    const health = new WorkerHealth(worker);
    await worker.start();
    expect((await health.readiness()).ready).toBe(true);
    const outage = simulateOutage(app.broker, new Error('ECONNREFUSED 127.0.0.1:6379'));
    expect(await health.readiness()).toEqual({ ready: false, checks: { consuming: true, broker: expect.stringMatching(/^broker connection lost \d+s ago; reconnecting$/), reconnects: true, receiving: true } });
    outage.restore();
    expect((await health.readiness()).ready).toBe(true);
    health.close();
  });

  it('turns unready in a reconnect storm, and ready again when the window has passed', async () => {
    const app = testApp();
    const worker = testWorker(app);
    let now = 1_000_000;
    const health = new WorkerHealth(worker, { stormDisconnects: 3, stormWindowMs: 60_000 }, () => now);
    await worker.start();
    for (let i = 0; i < 3; i++) simulateOutage(app.broker).restore();
    expect(await health.readiness()).toEqual({ ready: false, checks: { consuming: true, broker: true, reconnects: '3 broker disconnects in the last 60s (reconnect storm)', receiving: true } });
    now += 60_001;
    expect((await health.readiness()).ready).toBe(true);
    health.close();
  });

  it('turns unready when the consumer stalls: room for more, nothing received, messages waiting', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    let now = 1_000_000;
    const health = new WorkerHealth(worker, { stallAfterMs: 30_000 }, () => now);
    await worker.start();
    // Idle with nothing waiting: ready however long it lasts.
    now += 120_000;
    expect((await health.readiness()).checks.receiving).toBe(true);

    await simulateConsumerLoss(worker['consumer']!);
    for (let i = 0; i < 3; i++) await add.delay(i, i);
    // Just sent: waiting is not stalling yet.
    expect((await health.readiness()).ready).toBe(true);
    now += 29_000;
    expect((await health.readiness()).ready).toBe(true);
    now += 1_000;
    expect(await health.readiness()).toEqual({
      ready: false,
      checks: { consuming: true, broker: true, reconnects: true, receiving: 'messages have waited 30s (3 in celery) while the worker had room and received nothing: the consumer has stalled' },
    });
    health.close();
  });

  it('stays ready while the worker is full (prefetch reached), however long its tasks run', async () => {
    const app = testApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task('tasks.slow', () => gate);
    const worker = testWorker(app, { concurrency: 1, prefetch: 1 });
    let now = 1_000_000;
    const health = new WorkerHealth(worker, { stallAfterMs: 30_000 }, () => now);
    await worker.start();
    await slow.delay();
    await slow.delay();
    await waitFor(() => worker.stats.active === 1);
    now += 60_000;
    expect((await health.readiness()).checks.receiving).toBe(true);
    release();
    await worker.stop();
    health.close();
  });

  it('stallAfterMs: 0 turns the receiving check off', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = testWorker(app);
    let now = 1_000_000;
    const health = new WorkerHealth(worker, { stallAfterMs: 0 }, () => now);
    await worker.start();
    await simulateConsumerLoss(worker['consumer']!);
    await add.delay(1, 1);
    now += 600_000;
    expect((await health.readiness()).ready).toBe(true);
    health.close();
  });

  it('refuses a port in use with an error naming the flag', async () => {
    const registry = new Registry();
    const first = await serveMetrics({ registry, port: 0, host: '127.0.0.1' });
    try {
      await expect(serveMetrics({ registry, port: first.port, host: '127.0.0.1' })).rejects.toMatchObject({
        code: 'TQ_CONFIGURATION',
        message: expect.stringMatching(new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${first.port}: .*EADDRINUSE.*; choose another port \\(--metrics-port\\)$`)),
      });
    } finally {
      await first.close();
    }
  });
});

describe('queue metrics (what tq exporter serves)', () => {
  it('reports ready, delayed, in-flight and dead-letter depth per queue from broker.stats, in one round per scrape', async () => {
    const app = testApp();
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    for (let i = 0; i < 4; i++) await add.delay(i, i);
    await add.applyAsync([9, 9], { countdown: 60 });
    await add.applyAsync([1, 1], { queue: 'other' });
    let calls = 0;
    const broker = app.broker;
    const counting = Object.create(broker, { stats: { value: (queue: string) => (calls++, broker.stats(queue)) } }) as typeof broker;
    const metrics = queueMetrics(counting, ['celery', 'other'], { celeryNames: true });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tq_queue_length\{queue="celery"\} 4$/m);
    expect(text).toMatch(/^tq_queue_length\{queue="other"\} 1$/m);
    expect(text).toMatch(/^tq_queue_delayed\{queue="celery"\} 1$/m);
    expect(text).toMatch(/^tq_queue_in_flight\{queue="celery"\} 0$/m);
    expect(text).toMatch(/^tq_queue_dead_letters\{queue="celery"\} 0$/m);
    expect(text).toMatch(/^tq_queue_stats_up\{queue="celery"\} 1$/m);
    expect(text).toMatch(/^celery_queue_length\{queue_name="celery"\} 4$/m);
    expect(calls).toBe(2);
    expect(await metrics.readiness()).toEqual({ ready: true, checks: { 'queue:celery': true, 'queue:other': true } });
  });

  it('reports a queue whose stats fail as down (no stale depth), counts the error, and is unready', async () => {
    const app = testApp();
    const failing = Object.create(app.broker, { stats: { value: async () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) } }) as typeof app.broker;
    const metrics = queueMetrics(failing, ['celery']);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tq_queue_stats_up\{queue="celery"\} 0$/m);
    expect(text).toMatch(/^tq_queue_stats_errors_total\{queue="celery"\} 1$/m);
    expect(text).not.toMatch(/^tq_queue_length\{/m);
    expect(await metrics.readiness()).toEqual({ ready: false, checks: { 'queue:celery': 'ECONNREFUSED 127.0.0.1:6379' } });
  });

  it('gives up on a broker that does not answer within the timeout', async () => {
    const app = testApp();
    const hanging = Object.create(app.broker, { stats: { value: () => new Promise(() => undefined) } }) as typeof app.broker;
    const metrics = queueMetrics(hanging, ['celery'], { timeoutMs: 50 });
    expect(await metrics.readiness()).toEqual({ ready: false, checks: { 'queue:celery': 'stats for celery took longer than 50ms' } });
  });
});
