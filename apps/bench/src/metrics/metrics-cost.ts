import { Worker } from '@tq/worker';
import { workerMetrics, type WorkerMetrics } from '@tq/worker/metrics';
import { drainNoopBacklog } from '../redis/drain-noop-backlog.js';
import { alternateModes } from '../alternating-modes.js';

export interface MetricsCostOptions {
  tasks: number;
  runs: number;
  concurrency: number;
}

type Mode = 'metrics off' | 'metrics on';

/**
 * What Prometheus metrics cost a worker: the same no-op backlog drained on Redis (broker and
 * backend) without metrics and with `workerMetrics` (Node defaults included) scraped every second,
 * far more often than a real Prometheus (15 s). Modes alternate within each round.
 */
export async function metricsCost(options: MetricsCostOptions): Promise<string> {
  const table = await alternateModes<Mode>(['metrics off', 'metrics on'], options.runs, (mode) => drainOnce(mode, options));
  return `${table}\n\n${options.tasks} no-op tasks per run, concurrency ${options.concurrency}, Redis broker and backend, ${options.runs} rounds.\n`;
}

async function drainOnce(mode: Mode, options: MetricsCostOptions): Promise<number> {
  let metrics: WorkerMetrics | undefined;
  let scraper: NodeJS.Timeout | undefined;
  try {
    return await drainNoopBacklog({
      tasks: options.tasks,
      label: `metrics-cost ${mode}`,
      worker(app) {
        const worker = new Worker(app, { concurrency: options.concurrency, logLevel: 'silent' });
        if (mode === 'metrics on') {
          const registry = (metrics = workerMetrics(worker)).registry;
          scraper = setInterval(() => void registry.metrics(), 1_000);
        }
        return worker;
      },
      async after() {
        if (metrics === undefined) return;
        // The figure only counts if the metrics saw every task.
        const text = await metrics.registry.metrics();
        if (!text.includes(`tq_tasks_succeeded_total{task="bench.noop",queue="bench"} ${options.tasks}`)) throw new Error('metrics missed tasks');
      },
    });
  } finally {
    clearInterval(scraper);
    metrics?.close();
  }
}
