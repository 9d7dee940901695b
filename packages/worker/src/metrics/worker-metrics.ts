import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Worker } from '../worker.js';
import { LabelCache } from './label-cache.js';

export interface WorkerMetricsOptions {
  /** Register into this registry (embedding in a service that serves its own /metrics). @default a new Registry */
  registry?: Registry;
  /** Also collect prom-client's Node defaults (event-loop lag, heap, GC, CPU, open handles). @default true */
  defaultMetrics?: boolean;
  /** Runtime histogram buckets, in seconds. */
  runtimeBuckets?: number[];
  /** Queue wait (sent or due → started) histogram buckets, in seconds. */
  waitBuckets?: number[];
}

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Stop listening to the worker and remove tq's metrics from the registry. */
  close(): void;
}

/** From a cache hit to a 10-minute report: celery-exporter's range, one step finer at the short end. */
export const DEFAULT_RUNTIME_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Queue wait: from a hot queue (ms) to a backlog of an hour. */
export const DEFAULT_WAIT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

const TASK_LABELS = ['task', 'queue'] as const;

/**
 * Prometheus metrics of one worker, under `tq_`, from its typed event stream (nothing is threaded
 * through the delivery path). Counters and histograms per task name and queue; gauges read the
 * worker's state when scraped.
 */
export function workerMetrics(worker: Worker, options: WorkerMetricsOptions = {}): WorkerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const counter = (name: string, help: string): LabelCache<Counter> =>
    new LabelCache(new Counter({ name, help, labelNames: TASK_LABELS, registers }));
  const received = counter('tq_tasks_received_total', 'Tasks received from the broker');
  const started = counter('tq_tasks_started_total', 'Tasks started');
  const succeeded = counter('tq_tasks_succeeded_total', 'Tasks that succeeded');
  const failed = counter('tq_tasks_failed_total', 'Tasks that failed (retries exhausted or not retried)');
  const retried = counter('tq_tasks_retried_total', 'Tasks that raised and were retried');
  const revoked = counter('tq_tasks_revoked_total', 'Tasks revoked, expired or terminated');
  const runtime = new LabelCache(new Histogram({ name: 'tq_task_runtime_seconds', help: 'Task run time', labelNames: TASK_LABELS, buckets: options.runtimeBuckets ?? DEFAULT_RUNTIME_BUCKETS, registers }));
  const wait = new LabelCache(
    new Histogram({ name: 'tq_task_queue_wait_seconds', help: 'Time from send (or eta) to start, for calls whose producer stamped the send time (tq does)', labelNames: TASK_LABELS, buckets: options.waitBuckets ?? DEFAULT_WAIT_BUCKETS, registers }),
  );
  const rejected = new Counter({ name: 'tq_messages_rejected_total', help: 'Messages that could not run (malformed, unknown task, Reject), by reason code', labelNames: ['queue', 'reason', 'requeued'], registers });
  const deadLettered = new Counter({ name: 'tq_dead_lettered_total', help: 'Messages moved to the dead-letter place, by reason code', labelNames: ['queue', 'reason'], registers });
  const reconnects = new Counter({ name: 'tq_broker_reconnects_total', help: 'Broker connections lost and restored', registers });
  const workerErrors = new Counter({ name: 'tq_worker_errors_total', help: 'Failures the worker survived (a backend write, an ack)', registers });
  let connected = 1;
  new Gauge({ name: 'tq_broker_connected', help: '1 while the consumer is connected to the broker', registers, collect() { this.set(connected); } });
  new Gauge({ name: 'tq_tasks_active', help: 'Tasks running now', registers, collect() { this.set(worker.stats.active); } });
  new Gauge({ name: 'tq_tasks_prefetched', help: 'Deliveries held unacked, not yet started (Celery: reserved)', registers, collect() { this.set(worker.stats.buffered + worker.stats.rateLimited); } });
  new Gauge({ name: 'tq_worker_concurrency', help: 'Tasks the worker runs at once (pool members for threads/processes)', registers, collect() { this.set(worker.concurrency); } });
  new Gauge({
    name: 'tq_pool_members',
    help: 'Pool members by state (threads/processes pools)',
    labelNames: ['state'],
    registers,
    collect() {
      const occupancy = worker.pool.occupancy?.();
      if (occupancy === undefined) return;
      this.set({ state: 'busy' }, occupancy.busy);
      this.set({ state: 'idle' }, occupancy.idle);
    },
  });
  new Gauge({ name: 'tq_worker_info', help: 'The worker: hostname and pool (always 1)', labelNames: ['hostname', 'pool'], registers, collect() { this.set({ hostname: worker.hostname, pool: worker.pool.kind }, 1); } });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const listeners = {
    'task-received': ({ name, queue }: { name: string; queue: string }) => received.get(name, queue).inc(),
    'task-started': ({ name, queue, waitMs }: { name: string; queue: string; waitMs?: number }) => {
      started.get(name, queue).inc();
      if (waitMs !== undefined) wait.get(name, queue).observe(waitMs / 1_000);
    },
    'task-succeeded': ({ name, queue, runtimeMs }: { name: string; queue: string; runtimeMs: number }) => {
      succeeded.get(name, queue).inc();
      runtime.get(name, queue).observe(runtimeMs / 1_000);
    },
    'task-failed': ({ name, queue, runtimeMs }: { name: string; queue: string; runtimeMs: number }) => {
      failed.get(name, queue).inc();
      runtime.get(name, queue).observe(runtimeMs / 1_000);
    },
    'task-retried': ({ name, queue }: { name: string; queue: string }) => retried.get(name, queue).inc(),
    'task-revoked': ({ name, queue }: { name: string; queue: string }) => revoked.get(name, queue).inc(),
    'message-rejected': ({ queue, reason, requeued }: { queue: string; reason: { code: string }; requeued: boolean }) => {
      rejected.inc({ queue, reason: reason.code, requeued: String(requeued) });
      if (!requeued) deadLettered.inc({ queue, reason: reason.code });
    },
    'broker-disconnected': () => (connected = 0),
    'broker-reconnected': () => {
      connected = 1;
      reconnects.inc();
    },
    'worker-error': () => workerErrors.inc(),
  } as const;
  for (const [event, listener] of Object.entries(listeners)) worker.on(event as 'task-received', listener as never);
  return {
    registry,
    close() {
      for (const [event, listener] of Object.entries(listeners)) worker.off(event as 'task-received', listener as never);
      for (const name of registry.getMetricsAsArray().map((metric) => metric.name)) if (name.startsWith('tq_')) registry.removeSingleMetric(name);
    },
  };
}
