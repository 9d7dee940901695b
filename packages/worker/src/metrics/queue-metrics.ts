import { Counter, Gauge, Registry } from 'prom-client';
import type { Broker, QueueStats } from '@tq/core';
import { statsWithin } from './stats-within.js';
import type { Readiness } from './worker-health.js';

export interface QueueMetricsOptions {
  registry?: Registry;
  /** A broker that does not answer within this is reported down for that scrape. @default 5_000 */
  timeoutMs?: number;
  /** Also export celery-exporter's `celery_queue_length{queue_name}`, so its alerts and HPA rules work unchanged. @default false */
  celeryNames?: boolean;
}

export interface QueueMetrics {
  readonly registry: Registry;
  /** Ready when a stats call for every queue succeeds now (the exporter's /readyz). */
  readiness(): Promise<Readiness>;
  close(): void;
}

type Snapshot = Map<string, QueueStats | Error>;

/**
 * Queue depth for alerts and autoscaling: one `broker.stats(queue)` per queue per scrape (Redis key
 * sizes, an AMQP passive declare, SQS queue attributes: each broker's own cheapest count), shared by
 * every gauge of that scrape.
 */
export function queueMetrics(broker: Broker, queues: readonly string[], options: QueueMetricsOptions = {}): QueueMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const timeoutMs = options.timeoutMs ?? 5_000;
  let pending: Promise<Snapshot> | undefined;
  const names: string[] = [];
  // Collected after this scrape's stats round, so it counts that round's failures.
  const errors: Counter = new Counter({ name: 'tq_queue_stats_errors_total', help: 'Failed queue stats calls (broker down or slow)', labelNames: ['queue'], registers, collect: () => snapshot().then(() => undefined) });
  // Every gauge of one scrape asks at once: they share one round of stats calls.
  const snapshot = (): Promise<Snapshot> =>
    (pending ??= Promise.all(queues.map(async (queue) => [queue, await statsWithin(broker, queue, timeoutMs)] as const)).then((entries) => {
      setImmediate(() => (pending = undefined));
      for (const [queue, stats] of entries) if (stats instanceof Error) errors.inc({ queue });
      return new Map(entries);
    }));
  const gauge = (name: string, help: string, pick: (stats: QueueStats) => number, label = 'queue'): Gauge => {
    names.push(name);
    return new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        this.reset();
        for (const [queue, stats] of await snapshot()) if (!(stats instanceof Error)) this.set({ [label]: queue }, pick(stats));
      },
    });
  };
  gauge('tq_queue_length', 'Messages ready to be delivered', (stats) => stats.ready);
  gauge('tq_queue_delayed', 'Messages waiting for their countdown/eta', (stats) => stats.delayed);
  gauge('tq_queue_in_flight', 'Messages delivered and not yet acked', (stats) => stats.inFlight);
  gauge('tq_queue_dead_letters', 'Messages in the dead-letter place', (stats) => stats.dead);
  names.push('tq_queue_stats_errors_total', 'tq_queue_stats_up');
  new Gauge({
    name: 'tq_queue_stats_up',
    help: '1 when the last stats call for the queue succeeded',
    labelNames: ['queue'],
    registers,
    async collect() {
      for (const [queue, stats] of await snapshot()) this.set({ queue }, stats instanceof Error ? 0 : 1);
    },
  });
  if (options.celeryNames === true) gauge('celery_queue_length', 'celery-exporter name: messages ready (tq_queue_length)', (stats) => stats.ready, 'queue_name');
  return {
    registry,
    async readiness() {
      const current = await snapshot();
      const checks: Record<string, true | string> = {};
      for (const queue of queues) {
        const stats = current.get(queue);
        checks[`queue:${queue}`] = stats instanceof Error ? stats.message : true;
      }
      return { ready: Object.values(checks).every((check) => check === true), checks };
    },
    close() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
