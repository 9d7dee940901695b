import type { Worker } from '../worker.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';
import { WorkerHealth, type WorkerHealthOptions } from './worker-health.js';
import { workerMetrics, type WorkerMetrics, type WorkerMetricsOptions } from './worker-metrics.js';

export interface ServeWorkerMetricsOptions extends WorkerMetricsOptions {
  /** @default 9540 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  health?: WorkerHealthOptions;
}

export interface ServedWorkerMetrics {
  readonly metrics: WorkerMetrics;
  readonly health: WorkerHealth;
  readonly server: MetricsServer;
  close(): Promise<void>;
}

/**
 * What `tq worker --metrics-port` runs: the worker's metrics, its readiness, and the HTTP server
 * for both. Call it before `worker.start()`, so readiness sees the worker become ready; the server
 * closes itself once the worker has stopped.
 */
export async function serveWorkerMetrics(worker: Worker, options: ServeWorkerMetricsOptions = {}): Promise<ServedWorkerMetrics> {
  const metrics = workerMetrics(worker, options);
  const health = new WorkerHealth(worker, options.health);
  let server: MetricsServer;
  try {
    server = await serveMetrics({ registry: metrics.registry, port: options.port, host: options.host, readiness: () => health.readiness() });
  } catch (error) {
    metrics.close();
    health.close();
    throw error;
  }
  return {
    metrics,
    health,
    server,
    async close() {
      await server.close();
      metrics.close();
      health.close();
    },
  };
}
