import { randomBytes, randomUUID } from 'node:crypto';
import { createPostgresBackend, type PostgresBackend } from '@tq/backend-postgres';
import pg from 'pg';
import { percentile } from '../redis/system.js';
import { formatRate, median } from '../stats.js';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Options {
  runs: number;
  writes: number;
  concurrencies: number[];
  latencyCount: number;
}

/** What each write stores: a small result, as most tasks return. */
const RESULT = { ok: true, total: 42, items: ['a', 'b', 'c'] };
/** Alternating slices per measurement (see interleavedRates). */
const SLICES = 10;

/** Run `count` calls of `write(i)` from `first` on, with `concurrency` of them in flight; returns the seconds taken. */
async function timed(first: number, count: number, concurrency: number, write: (index: number) => Promise<unknown>): Promise<number> {
  let next = first;
  const end = first + count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) await write(next++);
    }),
  );
  return (performance.now() - started) / 1_000;
}

/** A schema of the bench's own name; dropped by dropSchema: the shared server is never emptied otherwise. */
function benchSchema(): string {
  return `tq_bench_${randomBytes(5).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
}

interface Writer {
  write(index: number): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The floor to compare with: one INSERT per result into a table with the same key and a JSONB
 * column, through a pg.Pool of the same size, nothing else (no upsert, no indexes but the key,
 * no NOTIFY, no batching). Every statement commits on its own.
 */
async function rawInserts(concurrency: number): Promise<Writer> {
  const schema = benchSchema();
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: concurrency });
  const table = `${pg.escapeIdentifier(schema)}.raw_results`;
  await pool.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  await pool.query(`CREATE TABLE ${table} (task_id text PRIMARY KEY, status text NOT NULL, result jsonb)`);
  const payload = JSON.stringify(RESULT);
  return {
    write: (index) => pool.query(`INSERT INTO ${table} (task_id, status, result) VALUES ($1, 'SUCCESS', $2::jsonb)`, [`raw-${index}`, payload]),
    async close() {
      await pool.end();
      await dropSchema(schema);
    },
  };
}

/**
 * storeState(SUCCESS) through the backend, as the worker writes it (complete, with the extended
 * fields): the upsert that guards SUCCESS, the error and extended columns, the indexes, and the
 * trigger's NOTIFY, heard by a second backend that LISTENs (as a producer awaiting results would).
 */
async function backendWrites(concurrency: number): Promise<Writer> {
  const schema = benchSchema();
  const writer = createPostgresBackend({ url: POSTGRES_URL, schema, poolOptions: { max: concurrency }, cleanupIntervalMs: 0 });
  const listener = createPostgresBackend({ url: POSTGRES_URL, schema, cleanupIntervalMs: 0 });
  await writer.connect();
  await listener.connect();
  const idle = listener.waitFor('never-stored', { timeoutMs: 600_000 });
  idle.catch(() => undefined);
  return {
    write: (index) =>
      writer.storeState(`task-${index}`, { status: 'SUCCESS', result: RESULT, name: 'bench.noop', args: [index], kwargs: {}, worker: 'bench', retries: 0, queue: 'celery', complete: true }),
    async close() {
      await listener.close();
      await writer.close();
      await dropSchema(schema);
    },
  };
}

/**
 * Both write loops at one concurrency, in alternating slices (raw, backend, raw, …), so a change
 * in the shared machine's disk or CPU load during the measurement hits both alike. Writes per second of each.
 */
async function interleavedRates(count: number, concurrency: number, slices: number): Promise<{ raw: number; backend: number }> {
  const raw = await rawInserts(concurrency);
  const backend = await backendWrites(concurrency);
  const seconds = { raw: 0, backend: 0 };
  const perSlice = Math.ceil(count / slices);
  try {
    for (let slice = 0; slice < slices; slice++) {
      const first = slice * perSlice;
      seconds.raw += await timed(first, perSlice, concurrency, raw.write);
      seconds.backend += await timed(first, perSlice, concurrency, backend.write);
    }
  } finally {
    await raw.close();
    await backend.close();
  }
  return { raw: (perSlice * slices) / seconds.raw, backend: (perSlice * slices) / seconds.backend };
}

/** ms from the start of storeState on one backend to waitFor resolving on another (already listening). */
async function waitForLatency(count: number): Promise<number[]> {
  const schema = benchSchema();
  const writer: PostgresBackend = createPostgresBackend({ url: POSTGRES_URL, schema, cleanupIntervalMs: 0 });
  const waiter: PostgresBackend = createPostgresBackend({ url: POSTGRES_URL, schema, cleanupIntervalMs: 0 });
  const samples: number[] = [];
  try {
    await writer.connect();
    await waiter.connect();
    // Warm the LISTEN connection, so the first sample does not include connecting it.
    await writer.storeState('warm-up', { status: 'SUCCESS', result: null });
    await waiter.waitFor('warm-up', { timeoutMs: 10_000 });
    for (let index = 0; index < count; index++) {
      const taskId = randomUUID();
      const waiting = waiter.waitFor(taskId, { timeoutMs: 10_000 });
      // Let the wait's first read happen, so what is timed is the push.
      await new Promise((resolve) => setTimeout(resolve, 2));
      const started = performance.now();
      await writer.storeState(taskId, { status: 'SUCCESS', result: RESULT });
      await waiting;
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await waiter.close();
    await writer.close();
    await dropSchema(schema);
  }
}

export async function postgresResults(options: Options): Promise<string> {
  const rows: Record<string, { raw: number[]; backend: number[] }> = {};
  const latency: Record<'p50' | 'p99', number[]> = { p50: [], p99: [] };
  for (let run = 0; run < options.runs; run++) {
    for (const concurrency of options.concurrencies) {
      const row = (rows[`c=${concurrency}`] ??= { raw: [], backend: [] });
      const measured = await interleavedRates(options.writes, concurrency, SLICES);
      row.raw.push(measured.raw);
      row.backend.push(measured.backend);
      console.log(`  run ${run + 1} c=${concurrency} raw ${formatRate(measured.raw)}, backend ${formatRate(measured.backend)}`);
    }
    const samples = await waitForLatency(options.latencyCount);
    latency.p50.push(percentile(samples, 50));
    latency.p99.push(percentile(samples, 99));
    console.log(`  run ${run + 1} waitFor p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`);
  }
  const lines = [
    '| concurrency | raw INSERT (median) | backend storeState + NOTIFY (median) | backend / raw (medians) | backend / raw per run | raw runs | backend runs |',
    '|---|---|---|---|---|---|---|',
  ];
  const percent = (value: number): string => `${(value * 100).toFixed(0)}%`;
  for (const [label, { raw, backend }] of Object.entries(rows)) {
    const runs = (values: number[]): string => values.map((value) => Math.round(value)).join(', ');
    // Raw and backend of one run shared the same minutes of the machine: their ratio is the steadier figure.
    const ratios = backend.map((value, index) => percent(value / (raw[index] ?? Number.NaN))).join(', ');
    lines.push(`| ${label} | ${formatRate(median(raw))} | ${formatRate(median(backend))} | ${percent(median(backend) / median(raw))} | ${ratios} | ${runs(raw)} | ${runs(backend)} |`);
  }
  const ms = (values: number[]): string => values.map((value) => value.toFixed(2)).join(', ');
  lines.push('', '| waitFor latency (store start → waiter resolved) | median of runs | runs |', '|---|---|---|');
  lines.push(`| p50 | ${median(latency.p50).toFixed(2)} ms | ${ms(latency.p50)} |`, `| p99 | ${median(latency.p99).toFixed(2)} ms | ${ms(latency.p99)} |`);
  return lines.join('\n');
}
