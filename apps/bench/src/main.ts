import { memoryThroughput, summarize } from './memory-throughput.js';

/**
 * `pnpm bench [name]` — runs the named benchmark (default: all). Each prints progress and a
 * Markdown table to paste into apps/bench/README.md with the date and versions.
 */
const benchmarks: Record<string, () => Promise<string>> = {
  memory: async () => {
    const tasks = Number(process.env.BENCH_TASKS ?? 20_000);
    const runs = Number(process.env.BENCH_RUNS ?? 5);
    return summarize(await memoryThroughput({ concurrencies: [1, 100], tasks, runs }));
  },
  // Imported on demand so the memory benchmark runs without the Redis packages built.
  redis: async () => {
    const { redisVsBullmq } = await import('./redis/redis-vs-bullmq.js');
    return redisVsBullmq({
      runs: Number(process.env.BENCH_RUNS ?? 3),
      tasks: Number(process.env.BENCH_TASKS ?? 20_000),
      concurrencies: [1, 10, 100],
      latencyCount: Number(process.env.BENCH_LATENCY_COUNT ?? 1_000),
      latencyRate: 200,
    });
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
