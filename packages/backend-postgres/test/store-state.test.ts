import { randomUUID } from 'node:crypto';
import { expectTqError, requireServer } from '@tq/testing';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PostgresBackend, createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres, randomSchema, recordingPool, sql } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

describe.runIf(up)('storeState batching', () => {
  const schemas = new Set<string>();
  const backends: PostgresBackend[] = [];
  const pools: pg.Pool[] = [];
  const open = async (): Promise<{ schema: string; backend: PostgresBackend }> => {
    const schema = randomSchema();
    schemas.add(schema);
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema, poolOptions: { max: 4 } });
    backends.push(backend);
    await backend.connect();
    return { schema, backend };
  };
  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
    for (const pool of pools.splice(0)) await pool.end();
  });
  afterAll(() => dropSchemas(schemas));

  it('stores hundreds of concurrent writes in a few statements, each answered for itself', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    const { pool, statements } = recordingPool(4);
    pools.push(pool);
    const backend = createPostgresBackend({ pool, schema });
    backends.push(backend);
    await backend.connect();
    statements.splice(0);

    const taskIds = Array.from({ length: 300 }, () => randomUUID());
    const stored = await Promise.all(taskIds.map((taskId, index) => backend.storeState(taskId, { status: 'SUCCESS', result: index, complete: index % 2 === 0 })));
    expect(stored.every(Boolean)).toBe(true);
    expect(await sql(`SELECT count(*)::int AS n FROM "${schema}".task_results`)).toEqual([{ n: 300 }]);
    // Complete and partial updates go in separate statements; each kind fits in one.
    expect(statements.filter((text) => text.includes('INSERT INTO'))).toHaveLength(2);
    expect((await backend.get(taskIds[299]!)).result).toBe(299);
  });

  it('applies writes to one task id in call order without waiting between them (orderedWrites)', async () => {
    const { backend } = await open();
    expect(backend.capabilities.orderedWrites).toBe(true);
    const taskId = randomUUID();
    const other = randomUUID();
    const outcomes = await Promise.all([
      backend.storeState(taskId, { status: 'STARTED', name: 'tasks.ordered', worker: 'w1', complete: true }),
      backend.storeState(other, { status: 'STARTED' }),
      backend.storeState(taskId, { status: 'PROGRESS', result: { done: 1 } }),
      backend.storeState(taskId, { status: 'SUCCESS', result: 'first', complete: true, name: 'tasks.ordered' }),
      backend.storeState(taskId, { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['late'], exc_module: 'builtins' } }),
      backend.storeState(taskId, { status: 'SUCCESS', result: 'second', complete: true }),
    ]);
    expect(outcomes).toEqual([true, true, true, true, false, false]);
    expect(await backend.get(taskId)).toMatchObject({ status: 'SUCCESS', result: 'first', name: 'tasks.ordered' });
  });

  it('fails only the write jsonb cannot hold; the others in its batch are stored', async () => {
    const { backend } = await open();
    const good = Array.from({ length: 5 }, () => randomUUID());
    const bad = randomUUID();
    const writes = [...good.map((taskId) => backend.storeState(taskId, { status: 'SUCCESS', result: 'fine' })), backend.storeState(bad, { status: 'SUCCESS', result: 'nul \u0000 inside' })];
    const settled = await Promise.allSettled(writes);
    expect(settled.slice(0, 5).map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    await expectTqError(() => writes[5]!, 'TQ_SERIALIZATION');
    expect((await backend.get(bad)).status).toBe('PENDING');
    expect((await backend.get(good[4]!)).result).toBe('fine');
  });
});
