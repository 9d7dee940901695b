export { workerMetrics, DEFAULT_RUNTIME_BUCKETS, DEFAULT_WAIT_BUCKETS, type WorkerMetrics, type WorkerMetricsOptions } from './worker-metrics.js';
export { queueMetrics, type QueueMetrics, type QueueMetricsOptions } from './queue-metrics.js';
export { WorkerHealth, type Readiness, type WorkerHealthOptions } from './worker-health.js';
export { serveMetrics, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { serveWorkerMetrics, type ServeWorkerMetricsOptions, type ServedWorkerMetrics } from './serve-worker-metrics.js';
