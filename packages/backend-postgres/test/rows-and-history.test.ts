import { randomUUID } from 'node:crypto';
import { requireServer } from '@tq/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type PostgresBackend, createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres, randomSchema, sql } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

const VALUE_ERROR = { exc_type: 'ValueError', exc_message: ['bad input'], exc_module: 'builtins' };

describe.runIf(up)('rows, history and cleanup', () => {
  const schemas = new Set<string>();
  const backends: PostgresBackend[] = [];
  const open = async (options: { resultExpiresMs?: number; cleanupBatchSize?: number } = {}): Promise<{ schema: string; backend: PostgresBackend }> => {
    const schema = randomSchema();
    schemas.add(schema);
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema, ...options });
    backends.push(backend);
    await backend.connect();
    return { schema, backend };
  };
  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
  });
  afterAll(() => dropSchemas(schemas));

  it('stores results as JSONB and errors in their own columns, queryable with plain SQL', async () => {
    const { schema, backend } = await open();
    const ok = randomUUID();
    const failed = randomUUID();
    await backend.storeState(ok, { status: 'SUCCESS', result: { total: 5, big: 2n ** 64n }, name: 'tasks.add', args: [2, 3], children: [[['child', null], null]] });
    await backend.storeState(failed, { status: 'FAILURE', result: VALUE_ERROR, traceback: 'Traceback…', name: 'tasks.add', groupId: 'g1', parentId: 'p1' });
    const rows = await sql(
      `SELECT task_id, result->>'total' AS total, jsonb_typeof(result) AS kind, error_type, error_message, error_module, traceback, group_id, parent_id,
         date_done IS NOT NULL AS done, expires_at > now() + interval '23 hours' AS expires_in_a_day
       FROM "${schema}".task_results ORDER BY status DESC`,
    );
    expect(rows).toEqual([
      { task_id: ok, total: '5', kind: 'object', error_type: null, error_message: null, error_module: null, traceback: null, group_id: null, parent_id: null, done: true, expires_in_a_day: true },
      { task_id: failed, total: null, kind: 'object', error_type: 'ValueError', error_message: 'bad input', error_module: 'builtins', traceback: 'Traceback…', group_id: 'g1', parent_id: 'p1', done: true, expires_in_a_day: true },
    ]);
    // Integers beyond 2^53 survive exactly (kombu JSON in, jsonb numeric, kombu JSON out).
    expect(await backend.get(ok)).toMatchObject({ result: { total: 5, big: 2n ** 64n }, children: [[['child', null], null]], name: 'tasks.add', args: [2, 3] });
  });

  it('lists recent results by state, task name and time window, newest first', async () => {
    const { backend } = await open();
    const before = new Date(Date.now() - 1_000);
    const ids = { a: randomUUID(), b: randomUUID(), c: randomUUID(), d: randomUUID() };
    await backend.storeState(ids.a, { status: 'SUCCESS', result: 1, name: 'tasks.add' });
    await backend.storeState(ids.b, { status: 'FAILURE', result: VALUE_ERROR, name: 'tasks.add' });
    await backend.storeState(ids.c, { status: 'SUCCESS', result: 3, name: 'tasks.mul' });
    await backend.storeState(ids.d, { status: 'STARTED', name: 'tasks.add' });
    const idsOf = (records: { task_id: string }[]): string[] => records.map((record) => record.task_id);

    expect(idsOf(await backend.listResults())).toEqual([ids.d, ids.c, ids.b, ids.a]);
    expect(idsOf(await backend.listResults({ status: 'SUCCESS' }))).toEqual([ids.c, ids.a]);
    expect(idsOf(await backend.listResults({ status: ['FAILURE', 'STARTED'], name: 'tasks.add' }))).toEqual([ids.d, ids.b]);
    expect(idsOf(await backend.listResults({ name: 'tasks.mul' }))).toEqual([ids.c]);
    expect(idsOf(await backend.listResults({ limit: 2 }))).toEqual([ids.d, ids.c]);
    expect(await backend.listResults({ until: before })).toEqual([]);
    const [latest] = await backend.listResults({ since: before, limit: 1 });
    expect(latest).toMatchObject({ task_id: ids.d, status: 'STARTED', name: 'tasks.add' });
    expect(Date.parse(latest?.stored_at ?? '')).toBeGreaterThanOrEqual(before.getTime());
  });

  it('reads expired rows as PENDING at once, and deletes them in batches through cleanup()', async () => {
    const { schema, backend } = await open({ resultExpiresMs: 1, cleanupBatchSize: 3 });
    const taskIds = Array.from({ length: 7 }, () => randomUUID());
    for (const taskId of taskIds) await backend.storeState(taskId, { status: 'SUCCESS', result: taskId });
    await backend.saveGroup('group', taskIds);
    await backend.chordJoin('chord', 'member', 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await backend.get(taskIds[0]!)).status).toBe('PENDING');
    // An expired SUCCESS no longer guards the id: it is gone as far as the contract is concerned.
    expect(await backend.storeState(taskIds[0]!, { status: 'STARTED' })).toBe(true);

    const counts = async (): Promise<unknown> =>
      (await sql(`SELECT (SELECT count(*)::int FROM "${schema}".task_results) AS results, (SELECT count(*)::int FROM "${schema}".task_groups) AS groups,
        (SELECT count(*)::int FROM "${schema}".chord_counters) AS chords, (SELECT count(*)::int FROM "${schema}".chord_members) AS members`))[0];
    expect(await counts()).toEqual({ results: 7, groups: 1, chords: 1, members: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Three DELETEs of at most 3 rows for the results.
    expect(await backend.cleanup()).toEqual({ results: 7, groups: 1, chords: 1 });
    expect(await counts()).toEqual({ results: 0, groups: 0, chords: 0, members: 0 });
    expect(await backend.cleanup({ batchSize: 2, maxBatches: 1 })).toEqual({ results: 0, groups: 0, chords: 0 });
  });

  it('bounds one cleanup run by maxBatches, leaving the rest for the next run', async () => {
    const { backend } = await open({ resultExpiresMs: 1 });
    for (let i = 0; i < 5; i++) await backend.storeState(randomUUID(), { status: 'SUCCESS', result: i });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await backend.cleanup({ batchSize: 2, maxBatches: 1 })).results).toBe(2);
    expect((await backend.cleanup({ batchSize: 2 })).results).toBe(3);
  });

  it('keeps rows forever with resultExpiresMs: Infinity (expires_at NULL)', async () => {
    const { schema, backend } = await open({ resultExpiresMs: Number.POSITIVE_INFINITY });
    const taskId = randomUUID();
    await backend.storeState(taskId, { status: 'SUCCESS', result: 1 });
    expect(await sql(`SELECT expires_at FROM "${schema}".task_results`)).toEqual([{ expires_at: null }]);
    expect((await backend.get(taskId)).status).toBe('SUCCESS');
  });
});
