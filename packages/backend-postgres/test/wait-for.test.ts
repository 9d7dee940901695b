import { randomUUID } from 'node:crypto';
import type { ResultBackend } from '@tq/core';
import { expectTqError, requireServer, sleep } from '@tq/testing';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres, randomSchema, recordingPool, sql, sqlTransaction } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

/** A ready state written as psql (or another program) would: the table's trigger sends the NOTIFY. */
function rawInsert(schema: string, taskId: string, result: unknown): [string, unknown[]] {
  return [`INSERT INTO "${schema}".task_results (task_id, status, result, date_done) VALUES ($1, 'SUCCESS', $2::jsonb, now())`, [taskId, JSON.stringify(result)]];
}

function storeRaw(schema: string, taskId: string, result: unknown): Promise<unknown> {
  return sql(...rawInsert(schema, taskId, result));
}

async function listenerPids(applicationName: string): Promise<number[]> {
  const rows = await sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`${applicationName}:listener`]);
  return rows.map((row) => row.pid);
}

describe.runIf(up)('waitFor over LISTEN/NOTIFY', () => {
  const schemas = new Set<string>();
  const backends: ResultBackend[] = [];
  const pools: pg.Pool[] = [];

  const setup = async (): Promise<{ schema: string; applicationName: string; backend: ResultBackend }> => {
    const schema = randomSchema();
    schemas.add(schema);
    const applicationName = `tq-test-${randomUUID().slice(0, 8)}`;
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema, applicationName });
    backends.push(backend);
    await backend.connect();
    return { schema, applicationName, backend };
  };

  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
    for (const pool of pools.splice(0)) await pool.end();
  });
  afterAll(() => dropSchemas(schemas));

  it('shares ONE listening connection between all waiters of a backend, and is woken by a plain SQL insert', async () => {
    const { schema, applicationName, backend } = await setup();
    const taskIds = Array.from({ length: 20 }, () => randomUUID());
    const waits = taskIds.map((taskId) => backend.waitFor(taskId, { timeoutMs: 10_000 }));
    await expect.poll(() => listenerPids(applicationName)).toHaveLength(1);
    await sleep(50);
    expect(await listenerPids(applicationName), 'still one, with 20 waiters').toHaveLength(1);
    await Promise.all(taskIds.map((taskId, index) => storeRaw(schema, taskId, { index })));
    const metas = await Promise.all(waits);
    expect(metas.map((meta) => meta.result)).toEqual(taskIds.map((_, index) => ({ index })));
  });

  it('sends no query while waiting: one read when the wait starts, one when the NOTIFY arrives', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    const { pool, statements } = recordingPool(2);
    pools.push(pool);
    const backend = createPostgresBackend({ pool, schema });
    backends.push(backend);
    await backend.connect();
    // From here on, every statement the backend sends is recorded.
    statements.splice(0);
    const queries = statements;

    const taskId = randomUUID();
    const waiting = backend.waitFor(taskId, { timeoutMs: 10_000 });
    await sleep(100);
    expect(queries, 'the read that closes the race with an earlier store').toHaveLength(1);
    await sleep(600);
    expect(queries, 'nothing while idle: no polling').toHaveLength(1);
    await storeRaw(schema, taskId, 'pushed');
    expect((await waiting).result).toBe('pushed');
    expect(queries).toHaveLength(2);
  });

  it('survives a killed listening connection: a result stored while it was down still resolves the wait', async () => {
    const { schema, applicationName, backend } = await setup();
    const taskId = randomUUID();
    const waiting = backend.waitFor(taskId, { timeoutMs: 10_000 });
    await expect.poll(() => listenerPids(applicationName)).toHaveLength(1);
    const [pid] = await listenerPids(applicationName);
    // Terminate the listener and store in the same transaction: the NOTIFY goes out at commit,
    // when nobody listens; only the re-read after the reconnect can find the result.
    await sqlTransaction([['SELECT pg_terminate_backend($1)', [pid]], rawInsert(schema, taskId, 'stored during the outage')]);
    expect((await waiting).result).toBe('stored during the outage');
    await expect.poll(() => listenerPids(applicationName)).toHaveLength(1);
    expect((await listenerPids(applicationName))[0]).not.toBe(pid);
  });

  it('keeps receiving notifications after the listener reconnected', async () => {
    const { schema, applicationName, backend } = await setup();
    const taskId = randomUUID();
    const waiting = backend.waitFor(taskId, { timeoutMs: 10_000 });
    await expect.poll(() => listenerPids(applicationName)).toHaveLength(1);
    const [pid] = await listenerPids(applicationName);
    await sql('SELECT pg_terminate_backend($1)', [pid]);
    await expect.poll(async () => (await listenerPids(applicationName)).filter((other) => other !== pid), { timeout: 5_000 }).toHaveLength(1);
    await sleep(50);
    await storeRaw(schema, taskId, 'stored after the reconnect');
    expect((await waiting).result).toBe('stored after the reconnect');
  });

  it('rejects pending waits with ClosedError on close()', async () => {
    const { backend } = await setup();
    const waiting = backend.waitFor(randomUUID(), { timeoutMs: 10_000 });
    // Mark the rejection handled now; it is asserted below, after close() caused it.
    waiting.catch(() => undefined);
    await sleep(50);
    await backend.close();
    await expectTqError(() => waiting, 'TQ_CLOSED');
  });
});
