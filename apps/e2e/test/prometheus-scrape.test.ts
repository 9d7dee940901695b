import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer, waitUntil } from '@tq/testing';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';
import { spawnCli, stopCliProcess, type CliProcess } from './support/cli-process.js';
import { freePort } from './support/private-servers.js';
import { prometheusInstalled, startPrometheus } from './support/prometheus-server.js';

/**
 * Issue 16's headline: a real Prometheus scrapes `tq worker --metrics-port` and `tq exporter` on
 * Redis, and PromQL over its HTTP API returns the tasks the test ran and the backlog it left.
 */
const app = fileURLToPath(new URL('./redis/redis-limit-app.ts', import.meta.url));
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const prometheusUp = await requireServer('prometheus (Debian package prometheus)', async () => {
  if (!prometheusInstalled()) throw new Error('prometheus is not installed: apt-get install -y prometheus');
});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

describe.runIf(redisUp && prometheusUp)('Prometheus scrapes a tq worker and tq exporter', () => {
  it('PromQL returns the tasks run, their runtime count, and the queue depth the test arranged', async () => {
    const keyPrefix = `e2e-prom-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const env = { E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: keyPrefix };
    const [workerPort, exporterPort] = [await freePort(), await freePort()];
    const worker: CliProcess = spawnCli(['worker', '--app', app, '-c', '4', '--metrics-port', String(workerPort), '--metrics-host', '127.0.0.1', '--loglevel', 'warn'], env);
    cleanups.push(() => stopCliProcess(worker));
    const exporter: CliProcess = spawnCli(['exporter', '--app', app, '-Q', 'celery,e2e-backlog', '--port', String(exporterPort), '--host', '127.0.0.1'], env);
    cleanups.push(() => stopCliProcess(exporter));
    await waitUntil(() => ready(`http://127.0.0.1:${workerPort}`), 30_000, { intervalMs: 100, description: `the worker's /readyz (output: ${worker.output()})` });
    await waitUntil(() => ready(`http://127.0.0.1:${exporterPort}`), 30_000, { intervalMs: 100, description: "the exporter's /readyz" });

    const producer = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: null });
    cleanups.push(() => producer.close());
    for (let i = 0; i < 7; i++) await producer.sendTask('e2e.work', [i, 1]);
    // Nobody consumes e2e-backlog: 5 wait there, and 2 more wait for a countdown.
    for (let i = 0; i < 5; i++) await producer.sendTask('e2e.work', [i, 2], { queue: 'e2e-backlog' });
    for (let i = 0; i < 2; i++) await producer.sendTask('e2e.work', [i, 3], { queue: 'e2e-backlog', countdown: 600 });

    const prometheus = await startPrometheus({ 'tq-worker': [`127.0.0.1:${workerPort}`], 'tq-exporter': [`127.0.0.1:${exporterPort}`] });
    cleanups.push(() => prometheus.stop());
    const expected = {
      'sum(tq_tasks_succeeded_total{task="e2e.work",job="tq-worker"})': 7,
      'sum(tq_task_runtime_seconds_count{task="e2e.work"})': 7,
      'sum(tq_task_queue_wait_seconds_count{task="e2e.work"})': 7,
      'tq_queue_length{queue="e2e-backlog",job="tq-exporter"}': 5,
      'tq_queue_delayed{queue="e2e-backlog"}': 2,
      'tq_queue_length{queue="celery"}': 0,
      'tq_worker_concurrency': 4,
      'tq_broker_connected': 1,
      'sum(up{job=~"tq-worker|tq-exporter"})': 2,
    };
    let seen: Record<string, number | undefined> = {};
    await waitUntil(
      async () => {
        seen = Object.fromEntries(await Promise.all(Object.keys(expected).map(async (promql) => [promql, await prometheus.query(promql)] as const)));
        return Object.entries(expected).every(([promql, value]) => seen[promql] === value);
      },
      45_000,
      { intervalMs: 500, description: 'Prometheus to have scraped both targets' },
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; last query results ${JSON.stringify(seen)}; targets ${JSON.stringify(await prometheus.targets())}`);
    });
    expect(seen).toEqual(expected);
    // The Node runtime metrics come along: event-loop lag is what an SRE alerts on for a stuck worker.
    expect(await prometheus.query('count(nodejs_eventloop_lag_seconds{job="tq-worker"})')).toBe(1);

    // Every query of the Grafana dashboard in docs/deploy is valid PromQL over these metrics, and the backlog panel shows the backlog.
    const dashboard = JSON.parse(readFileSync(new URL('../../../docs/deploy/grafana/tq-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(queries.length).toBeGreaterThan(10);
    for (const promql of queries) await prometheus.query(promql, { allowMany: true });
    expect(await prometheus.query('sum(tq_queue_length)')).toBe(5);
    expect(await prometheus.query('sum(tq_tasks_active)')).toBe(0);
  }, 120_000);
});
