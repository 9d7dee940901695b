import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer, waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { queueMetrics, serveWorkerMetrics } from '@tq/worker/metrics';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './private-redis.js';

/**
 * Issue 16: /readyz is what a Kubernetes readiness probe reads. Stop the broker (a Redis of the
 * test's own) and the worker turns unready, naming the broker; start it and the worker is ready
 * again and runs tasks. The exporter's readiness follows its stats calls the same way.
 */
const canRun = await requireServer('redis-server binary (private servers)', async () => {
  if (!redisServerInstalled()) throw new Error('redis-server is not installed');
});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function readyz(url: string): Promise<{ status: number; body: { ready: boolean; checks: Record<string, unknown> } }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; checks: Record<string, unknown> } };
}

describe.runIf(canRun)('readiness when the broker goes away and comes back (private Redis)', () => {
  it('/readyz is 200, then 503 naming the broker while Redis is down, then 200 and consuming again', async () => {
    const redis: PrivateRedis = await startPrivateRedis();
    cleanups.push(() => redis.destroy());
    const app = createApp({ broker: createRedisBroker({ url: redis.url }), backend: null });
    const add = app.task('tasks.add', (a: number, b: number) => a + b);
    const worker = new Worker(app, { logLevel: 'silent', concurrency: 2, control: false });
    const served = await serveWorkerMetrics(worker, { port: 0, host: '127.0.0.1', defaultMetrics: false });
    cleanups.push(() => app.close(), () => worker.stop({ cold: true, timeoutMs: 0 }), () => served.close());
    let succeeded = 0;
    worker.on('task-succeeded', () => succeeded++);
    await worker.start();
    expect(await readyz(served.server.url)).toEqual({ status: 200, body: { ready: true, checks: { consuming: true, broker: true, reconnects: true, receiving: true } } });

    await redis.stop();
    await waitUntil(async () => (await readyz(served.server.url)).status === 503, 20_000, { intervalMs: 100, description: '/readyz to turn 503' });
    expect((await readyz(served.server.url)).body.checks.broker).toMatch(/^broker connection lost \d+s ago; reconnecting$/);

    await redis.start();
    await waitUntil(async () => (await readyz(served.server.url)).status === 200, 30_000, { intervalMs: 100, description: '/readyz to be 200 again' });
    await add.delay(2, 3);
    await waitUntil(() => succeeded === 1, 20_000, { description: 'a task run after the outage' });
    const metrics = await served.metrics.registry.metrics();
    expect(metrics).toMatch(/^tq_broker_reconnects_total 1$/m);
    expect(metrics).toMatch(/^tq_broker_connected 1$/m);
  }, 90_000);

  it("the exporter's readiness and tq_queue_stats_up follow the broker", async () => {
    const redis: PrivateRedis = await startPrivateRedis();
    cleanups.push(() => redis.destroy());
    const broker = createRedisBroker({ url: redis.url });
    cleanups.push(() => broker.close());
    const metrics = queueMetrics(broker, ['celery'], { timeoutMs: 2_000 });
    expect((await metrics.readiness()).ready).toBe(true);
    await redis.stop();
    const down = await metrics.readiness();
    expect(down.ready).toBe(false);
    expect(await metrics.registry.metrics()).toMatch(/^tq_queue_stats_up\{queue="celery"\} 0$/m);
    await redis.start();
    await waitUntil(async () => (await metrics.readiness()).ready, 30_000, { intervalMs: 200, description: 'stats to answer again' });
  }, 90_000);
});
