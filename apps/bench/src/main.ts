import { memoryThroughput, summarize } from './memory-throughput.js';

/**
 * `pnpm bench [name]` — runs the named benchmark (default: all). Each prints progress and a
 * Markdown table to paste into apps/bench/README.md with the date and versions.
 */
/** A benchmark parameter from the environment, else its default. */
const envNumber = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const benchmarks: Record<string, () => Promise<string>> = {
  memory: async () => {
    const tasks = envNumber('BENCH_TASKS', 20_000);
    const runs = envNumber('BENCH_RUNS', 5);
    return summarize(await memoryThroughput({ concurrencies: [1, 100], tasks, runs }));
  },
  // Imported on demand so the memory benchmark runs without the Redis packages built.
  redis: async () => {
    const { redisVsBullmq } = await import('./redis/redis-vs-bullmq.js');
    return redisVsBullmq({
      runs: envNumber('BENCH_RUNS', 3),
      tasks: envNumber('BENCH_TASKS', 20_000),
      concurrencies: [1, 10, 100],
      latencyCount: envNumber('BENCH_LATENCY_COUNT', 1_000),
      latencyRate: 200,
    });
  },
  // Imported on demand, like redis: needs @tq/backend-postgres built and PostgreSQL at BENCH_POSTGRES_URL.
  postgres: async () => {
    const { postgresResults } = await import('./postgres/postgres-results.js');
    return postgresResults({
      runs: envNumber('BENCH_RUNS', 3),
      writes: envNumber('BENCH_WRITES', 5_000),
      concurrencies: [1, 10, 50],
      latencyCount: envNumber('BENCH_LATENCY_COUNT', 500),
    });
  },
  // Starts the local-aws-sqs emulator itself, in a child process.
  sqs: async () => {
    const { sqsVsRaw } = await import('./sqs/sqs-vs-raw.js');
    return sqsVsRaw({
      runs: envNumber('BENCH_RUNS', 3),
      tasks: envNumber('BENCH_TASKS', 2_000),
      concurrency: envNumber('BENCH_CONCURRENCY', 40),
      port: envNumber('BENCH_SQS_PORT', 9325),
    });
  },
  // Prometheus metrics: a worker without them vs with workerMetrics scraped every second, alternating.
  metrics: async () => {
    const { metricsCost } = await import('./metrics/metrics-cost.js');
    return metricsCost({ tasks: envNumber('BENCH_TASKS', 20_000), runs: envNumber('BENCH_RUNS', 5), concurrency: envNumber('BENCH_CONCURRENCY', 100) });
  },
  // Remote control and Celery events: control off vs on (heartbeats) vs task events on, alternating.
  events: async () => {
    const { eventsCost } = await import('./events/events-cost.js');
    return eventsCost({ tasks: envNumber('BENCH_TASKS', 20_000), runs: envNumber('BENCH_RUNS', 5), concurrency: envNumber('BENCH_CONCURRENCY', 100) });
  },
  'redis-cost': async () => {
    const { costPerTask } = await import('./redis/cost-per-task.js');
    return costPerTask({ tasks: envNumber('BENCH_TASKS', 10_000), concurrency: envNumber('BENCH_CONCURRENCY', 100) });
  },
  // A chord of 1,000 no-op header tasks, tq vs Python Celery 5.2 on the same Redis (own db numbers).
  canvas: async () => {
    const { chordLatency } = await import('./canvas/chord-latency.js');
    return chordLatency({
      size: envNumber('BENCH_CHORD_SIZE', 1_000),
      runs: envNumber('BENCH_RUNS', 3),
      dbs: { tq: envNumber('BENCH_TQ_DB', 11), celeryBroker: envNumber('BENCH_CELERY_BROKER_DB', 12), celeryBackend: envNumber('BENCH_CELERY_BACKEND_DB', 13) },
    });
  },
  // async vs threads vs processes; the Redis part needs Redis at BENCH_REDIS_URL and Python Celery 5.2.
  pools: async () => {
    const { poolsBench } = await import('./pools/pools-bench.js');
    return poolsBench({
      runs: envNumber('BENCH_RUNS', 3),
      cpuTasks: envNumber('BENCH_CPU_TASKS', 100),
      cpuMs: envNumber('BENCH_CPU_MS', 20),
      ioTasks: envNumber('BENCH_IO_TASKS', 400),
      ioMs: envNumber('BENCH_IO_MS', 20),
      noopTasks: envNumber('BENCH_TASKS', 5_000),
    });
  },
  amqp: async () => {
    const { amqpSideBySide } = await import('./amqp/amqp-side-by-side.js');
    return amqpSideBySide({ runs: envNumber('BENCH_RUNS', 3), tasks: envNumber('BENCH_TASKS', 20_000), celeryTasks: envNumber('BENCH_CELERY_TASKS', 5_000) });
  },
};

const wanted = process.argv.slice(2).filter((arg) => arg !== '--');
const names = wanted.length > 0 ? wanted : Object.keys(benchmarks);
for (const name of names) {
  const benchmark = benchmarks[name];
  if (benchmark === undefined) {
    console.error(`Unknown benchmark "${name}". Available: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name} — ${new Date().toISOString()} — node ${process.version}, ${process.platform}-${process.arch}`);
  console.log(await benchmark());
}
