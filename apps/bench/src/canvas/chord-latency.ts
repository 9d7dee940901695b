import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chord, createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker } from '@tq/worker';
import { median } from '../stats.js';

const PYTHON = '/usr/bin/python3';
const here = fileURLToPath(new URL('.', import.meta.url));
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ChordBenchOptions {
  /** Header tasks per chord. */
  size: number;
  /** Timed chords per system (after one warm-up chord). */
  runs: number;
  /** Redis db numbers: tq (broker and backend, under a random key prefix), Celery broker, Celery results. */
  dbs: { tq: number; celeryBroker: number; celeryBackend: number };
}

/** tq: one process, Redis broker + backend, a worker with concurrency 10; seconds from applyAsync to the body's result. */
async function tqChords(options: ChordBenchOptions): Promise<number[]> {
  const prefix = `bench-canvas-${randomUUID()}:`;
  const url = `${REDIS}/${options.dbs.tq}`;
  const app = createApp({ broker: createRedisBroker({ url, keyPrefix: prefix }), backend: createRedisBackend({ url, keyPrefix: prefix }) });
  const noop = app.task('bench.noop', () => null);
  const count = app.task('bench.count', (results: null[]) => results.length);
  const worker = new Worker(app, { concurrency: 10, logLevel: 'silent' });
  await worker.start();
  const header = (size: number) => Array.from({ length: size }, () => noop.s());
  try {
    await (await chord(header(2), count.s()).applyAsync()).get({ timeout: 120_000 });
    const seconds: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const started = performance.now();
      const result = await chord(header(options.size), count.s()).applyAsync();
      const value = await result.get({ timeout: 600_000 });
      seconds.push((performance.now() - started) / 1_000);
      if (value !== options.size) throw new Error(`tq chord body counted ${value}, expected ${options.size}`);
      console.log(`  tq run ${run + 1}: ${seconds.at(-1)!.toFixed(3)} s`);
    }
    return seconds;
  } finally {
    await worker.stop();
    await app.close();
    await deleteKeys(url, `${prefix}*`);
  }
}

/** Celery 5.2: `celery worker -P prefork -c 2` on its own queue; the Python client times each chord the same way. */
async function celeryChords(options: ChordBenchOptions): Promise<number[]> {
  const queue = `bench-canvas-${randomUUID()}`;
  const env = { ...process.env, BENCH_CELERY_BROKER: `${REDIS}/${options.dbs.celeryBroker}`, BENCH_CELERY_BACKEND: `${REDIS}/${options.dbs.celeryBackend}`, BENCH_QUEUE: queue };
  const worker = spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'bench_canvas_celery', 'worker', '-P', 'prefork', '-c', '2', '-Q', queue, '--without-heartbeat', '--without-mingle', '--without-gossip', '--loglevel', 'WARNING'],
    { cwd: here, env, stdio: 'ignore' },
  );
  try {
    const client = spawnSync(PYTHON, ['bench_canvas_celery.py', 'chord', String(options.size), String(options.runs)], { cwd: here, env, encoding: 'utf8', timeout: 900_000 });
    if (client.status !== 0) throw new Error(`Celery client failed: ${client.stderr}`);
    const runs = client.stdout.trim().split('\n').map((line) => JSON.parse(line) as { seconds: number; value: number });
    runs.forEach((run, index) => console.log(`  Celery run ${index + 1}: ${run.seconds.toFixed(3)} s`));
    if (runs.some((run) => run.value !== options.size)) throw new Error('Celery chord body counted the wrong number of results');
    return runs.map((run) => run.seconds);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    // Only the bench's own dbs; SCAN + UNLINK, never FLUSHDB.
    await deleteKeys(`${REDIS}/${options.dbs.celeryBroker}`, `*${queue}*`);
    for (const pattern of ['celery-task-meta-*', 'chord-unlock-*', 'celery-taskset-meta-*']) await deleteKeys(`${REDIS}/${options.dbs.celeryBackend}`, pattern);
  }
}

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A chord of `size` no-op header tasks: seconds from applyAsync to the body's result, tq vs Python Celery 5.2 on the same Redis. */
export async function chordLatency(options: ChordBenchOptions): Promise<string> {
  const withCelery = spawnSync(PYTHON, ['-c', 'import celery, redis; assert celery.VERSION[:2] >= (5, 2)']).status === 0;
  console.log(`  chord of ${options.size} no-op header tasks → body counting them; ${options.runs} timed runs each after a warm-up chord`);
  const tq = median(await tqChords(options));
  const celery = withCelery ? median(await celeryChords(options)) : Number.NaN;
  if (!withCelery) console.log('  Python Celery 5.2 not importable under /usr/bin/python3: its row is skipped.');
  return [
    '| system | worker | median seconds (applyAsync → body result) | chords/s |',
    '| --- | --- | --- | --- |',
    `| tq | 1 Node process, concurrency 10 | ${tq.toFixed(3)} | ${(1 / tq).toFixed(2)} |`,
    `| Celery 5.2 | prefork -c 2 | ${celery.toFixed(3)} | ${(1 / celery).toFixed(2)} |`,
    '',
    `tq is ${(celery / tq).toFixed(1)}× ${celery >= tq ? 'faster' : 'slower'} (ratio of medians, Celery / tq).`,
  ].join('\n');
}
