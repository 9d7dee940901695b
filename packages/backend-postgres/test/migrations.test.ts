import { TqError } from '@tq/core';
import { expectTqError, requireServer } from '@tq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres, randomSchema, sql } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

describe.runIf(up)('migrations', () => {
  const schemas = new Set<string>();
  const fresh = (): string => {
    const schema = randomSchema();
    schemas.add(schema);
    return schema;
  };
  afterAll(() => dropSchemas(schemas));

  it('are applied once when many backends start together on an empty schema (advisory lock)', async () => {
    const schema = fresh();
    const backends = Array.from({ length: 8 }, () => createPostgresBackend({ url: POSTGRES_URL, schema, poolOptions: { max: 2 } }));
    try {
      // Without the lock, concurrent CREATE SCHEMA / CREATE TABLE would fail with duplicate errors.
      const outcomes = await Promise.allSettled(backends.map((backend) => backend.connect()));
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      const applied = await sql<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".tq_migrations ORDER BY version`);
      expect(applied).toEqual([
        { version: 1, name: '001_initial.sql' },
        { version: 2, name: '002_revoked_tasks.sql' },
      ]);
      // And every instance can use it at once.
      await Promise.all(backends.map((backend, index) => backend.storeState(`task-${index}`, { status: 'SUCCESS', result: index })));
      expect((await backends[0]!.get('task-7')).result).toBe(7);
    } finally {
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });

  it('can be run explicitly (tq migrate): reports what it applied, and nothing the second time', async () => {
    const schema = fresh();
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema, migrate: false });
    try {
      expect(await backend.migrate()).toEqual({ applied: ['001_initial.sql', '002_revoked_tasks.sql'], version: 2 });
      expect(await backend.migrate()).toEqual({ applied: [], version: 2 });
      await backend.connect();
    } finally {
      await backend.close();
    }
  });

  it('create the documented tables, indexes, function and trigger in the configured schema', async () => {
    const schema = fresh();
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema });
    try {
      await backend.connect();
      const tables = await sql<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
      expect(tables.map((row) => row.tablename)).toEqual(['chord_counters', 'chord_members', 'revoked_tasks', 'task_groups', 'task_results', 'tq_migrations']);
      const indexes = await sql<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname', [schema]);
      expect(indexes.map((row) => row.indexname)).toEqual([
        'chord_counters_expires_at',
        'chord_counters_pkey',
        'chord_members_pkey',
        'revoked_tasks_expires_at',
        'revoked_tasks_pkey',
        'task_groups_expires_at',
        'task_groups_pkey',
        'task_results_expires_at',
        'task_results_group_id',
        'task_results_name_stored_at',
        'task_results_pkey',
        'task_results_status_stored_at',
        'task_results_stored_at',
        'tq_migrations_pkey',
      ]);
      const triggers = await sql<{ tgname: string }>(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal`,
        [`"${schema}".task_results`],
      );
      expect(triggers.map((row) => row.tgname)).toEqual(['task_results_notify_ready']);
    } finally {
      await backend.close();
    }
  });

  it('with migrate: false on an unmigrated schema, fail with a ConfigurationError naming tq migrate', async () => {
    const schema = fresh();
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema, migrate: false });
    try {
      const error = await expectTqError(() => backend.storeState('t', { status: 'STARTED' }), 'TQ_CONFIGURATION');
      expect(error.message).toContain('tq migrate');
      // Nothing was created behind the caller's back.
      expect(await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('map a table dropped under a running backend to an error naming tq migrate', async () => {
    const schema = fresh();
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema });
    try {
      await backend.connect();
      await sql(`DROP TABLE "${schema}".task_results CASCADE`);
      const error = await expectTqError(() => backend.get('t'), 'TQ_CONFIGURATION');
      expect(error.message).toContain('tq migrate');
      expect(TqError.isInstance(error) && (error.cause as { code?: string }).code).toBe('42P01');
    } finally {
      await backend.close();
    }
  });
});
