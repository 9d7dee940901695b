import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createApp, type App } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker, type WorkerOptions } from '@tq/worker';
import { deleteKeys } from '../redis/redis-cleanup.js';
import { definePoolBenchTasks } from './pool-bench-app.js';

const appModule = fileURLToPath(new URL('./pool-bench-app.ts', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CELERY_DB = 14;
type Pool = 'async' | 'threads' | 'processes';

export interface PoolsBenchOptions {
  runs: number;
  cpuTasks: number;
  cpuMs: number;
  ioTasks: number;
  ioMs: number;
  noopTasks: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Time one worker draining `count` pre-sent calls of `send`, from its first success to its last, so
 * member start-up (loading the app through tsx, once per worker life) is not counted.
 */
async function drain(app: App, options: WorkerOptions, count: number, send: () => Promise<unknown>): Promise<number> {
  for (let offset = 0; offset < count; offset += 1_000) await Promise.all(Array.from({ length: Math.min(1_000, count - offset) }, send));
  const worker = new Worker(app, { logLevel: 'silent', trackStarted: false, ...options });
  let done = 0;
  let started = 0;
  const finished = new Promise<void>((resolve) =>
    worker.on('task-succeeded', () => {
      if (++done === 1) started = performance.now();
      if (done === count) resolve();
    }),
  );
  await worker.start();
  await finished;
  const seconds = (performance.now() - started) / 1_000;
  await worker.stop();
  return (count - 1) / seconds;
}

function memoryApp(): App {
  const namespace = `bench-pools-${randomUUID()}`;
  return createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
}

function poolOptions(pool: Pool, concurrency: number): WorkerOptions {
  return pool === 'async' ? { concurrency } : { pool, appModule, concurrency };
}

async function celeryNoop(count: number): Promise<number> {
  const queue = `bench-pools-celery-${randomUUID()}`;
  const env = { ...process.env, BENCH_CELERY_BROKER: `${REDIS_URL}/${CELERY_DB}`, BENCH_QUEUE: queue };
  const enqueue = spawnSync('/usr/bin/python3', ['bench_pools_celery.py', 'enqueue', String(count)], { cwd: here, env, encoding: 'utf8', timeout: 300_000 });
  if (enqueue.status !== 0) throw new Error(`Celery enqueue failed: ${enqueue.stderr}`);
  const redis = new Redis(`${REDIS_URL}/${CELERY_DB}`);
  const worker = spawn('/usr/bin/python3', ['-m', 'celery', '-A', 'bench_pools_celery', 'worker', '-P', 'prefork', '-c', '2', '-Q', queue, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING'], { cwd: here, env, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 600_000;
    let first = count;
    while ((first = await redis.llen(queue)) === count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    while ((await redis.llen(queue)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return first / ((performance.now() - started) / 1_000);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await redis.del(queue);
    redis.disconnect();
  }
}

async function redisNoop(pool: Pool, count: number): Promise<number> {
  const keyPrefix = `bench-pools-${randomUUID()}:`;
  const app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: null });
  const tasks = definePoolBenchTasks(app);
  try {
    return await drain(app, poolOptions(pool, 2), count, () => tasks.noop.delay());
  } finally {
    await app.close();
    await deleteKeys(`${keyPrefix}*`);
  }
}

/** async vs threads vs processes: CPU tasks and I/O tasks on memory://, no-op throughput on Redis beside Celery prefork. */
export async function poolsBench(options: PoolsBenchOptions): Promise<string> {
  const rows: string[] = ['| workload | pool | -c | tasks/s (median) | runs |', '|---|---|---|---|---|'];
  const measure = async (label: string, pool: Pool, concurrency: number, once: () => Promise<number>): Promise<number> => {
    const runs: number[] = [];
    for (let run = 0; run < options.runs; run++) runs.push(await once());
    console.error(`${label} ${pool} -c ${concurrency}: ${runs.map((r) => r.toFixed(1)).join(', ')}`);
    rows.push(`| ${label} | ${pool} | ${concurrency} | ${median(runs).toFixed(1)} | ${runs.map((r) => r.toFixed(1)).join(', ')} |`);
    return median(runs);
  };
  const cpu: Record<string, number> = {};
  for (const pool of ['async', 'threads', 'processes'] as const) {
    cpu[pool] = await measure(`CPU ${options.cpuMs} ms sha256 ×${options.cpuTasks}`, pool, 2, () => {
      const app = memoryApp();
      const tasks = definePoolBenchTasks(app);
      return drain(app, poolOptions(pool, 2), options.cpuTasks, () => tasks.cpu.delay(options.cpuMs)).finally(() => app.close());
    });
  }
  for (const [pool, concurrency] of [['async', 8], ['threads', 8], ['processes', 8], ['async', 100]] as const) {
    await measure(`I/O ${options.ioMs} ms sleep ×${options.ioTasks}`, pool, concurrency, () => {
      const app = memoryApp();
      const tasks = definePoolBenchTasks(app);
      return drain(app, poolOptions(pool, concurrency), options.ioTasks, () => tasks.io.delay(options.ioMs)).finally(() => app.close());
    });
  }
  // The no-op comparison with Celery alternates within each round (forward, then backward), so the
  // machine's noise falls on tq and Celery alike; every run is listed.
  const noopContenders: Array<[string, () => Promise<number>]> = [
    ...(['async', 'threads', 'processes'] as const).map((pool): [string, () => Promise<number>] => [pool, () => redisNoop(pool, options.noopTasks)]),
    ['Celery 5.2 prefork', () => celeryNoop(options.noopTasks)],
  ];
  const noopRuns = new Map<string, number[]>(noopContenders.map(([name]) => [name, []]));
  for (let round = 0; round < options.runs; round++) {
    for (const [name, once] of round % 2 === 0 ? noopContenders : [...noopContenders].reverse()) noopRuns.get(name)!.push(await once());
  }
  const noop: Record<string, number> = {};
  for (const [name, runs] of noopRuns) {
    console.error(`no-op on Redis ${name} -c 2: ${runs.map((r) => r.toFixed(1)).join(', ')}`);
    rows.push(`| no-op on Redis ×${options.noopTasks} | ${name} | 2 | ${median(runs).toFixed(1)} | ${runs.map((r) => r.toFixed(1)).join(', ')} |`);
    noop[name === 'Celery 5.2 prefork' ? 'celery' : name] = median(runs);
  }
  rows.push('');
  rows.push(`CPU: threads / async = ${(cpu.threads! / cpu.async!).toFixed(2)}×, processes / async = ${(cpu.processes! / cpu.async!).toFixed(2)}×.`);
  rows.push(`No-op on Redis vs Celery prefork -c 2: async ${(noop.async! / noop.celery!).toFixed(2)}×, threads ${(noop.threads! / noop.celery!).toFixed(2)}×, processes ${(noop.processes! / noop.celery!).toFixed(2)}×.`);
  return rows.join('\n');
}
