import { createBackendFromUrl } from '@tq/core';
import { expectTqError, requireServer } from '@tq/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresBackend } from '../src/index.js';
import { POSTGRES_NAME, POSTGRES_URL, dropSchemas, pingPostgres, randomSchema } from './postgres-test-support.js';

const up = await requireServer(POSTGRES_NAME, () => pingPostgres());

describe('configuration errors (no server needed)', () => {
  it.each([
    ['', 'needs a url'],
    ['not a url', 'Invalid PostgreSQL result backend URL'],
    ['mysql://127.0.0.1/test', 'the scheme must be postgres:// or postgresql://'],
    ['postgres://127.0.0.1/test?sslmode=sometimes', 'Invalid sslmode "sometimes"'],
  ])('rejects the url %j with a ConfigurationError', async (url, message) => {
    const error = await expectTqError(async () => createPostgresBackend({ url }), 'TQ_CONFIGURATION');
    expect(error.message).toContain(message);
  });

  it('rejects bad options with a ConfigurationError naming them', async () => {
    await expectTqError(async () => createPostgresBackend({ url: POSTGRES_URL, schema: 'x'.repeat(51) }), 'TQ_CONFIGURATION');
    await expectTqError(async () => createPostgresBackend({ url: POSTGRES_URL, resultExpiresMs: 0 }), 'TQ_CONFIGURATION');
    await expectTqError(async () => createPostgresBackend({ url: POSTGRES_URL, cleanupBatchSize: 0 }), 'TQ_CONFIGURATION');
    await expectTqError(async () => createPostgresBackend({ url: POSTGRES_URL, retryWritesForMs: -1 }), 'TQ_CONFIGURATION');
  });

  it('masks the password in displayUrl', () => {
    expect(createPostgresBackend({ url: 'postgres://app:secret@db.internal:5432/app' }).displayUrl).toBe('postgres://app:****@db.internal:5432/app');
  });
});

describe.runIf(up)('connecting', () => {
  const schemas = new Set<string>();
  afterAll(() => dropSchemas(schemas));

  it('fails connect() with a retryable BackendError naming the URL when nothing listens there', async () => {
    const backend = createPostgresBackend({ url: 'postgres://postgres@127.0.0.1:1/test', retryWritesForMs: 0 });
    try {
      const error = await expectTqError(() => backend.connect(), 'TQ_BACKEND');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('127.0.0.1:1');
      expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    } finally {
      await backend.close();
    }
  });

  it('names the fix for a database that does not exist (SQLSTATE 3D000)', async () => {
    const backend = createPostgresBackend({ url: 'postgres://postgres@127.0.0.1:5432/tq_no_such_database' });
    try {
      const error = await expectTqError(() => backend.connect(), 'TQ_CONFIGURATION');
      expect(error.message).toContain('Create the database');
    } finally {
      await backend.close();
    }
  });

  it('honours sslmode in the URL: require against a server without TLS fails', async () => {
    const backend = createPostgresBackend({ url: `${POSTGRES_URL}?sslmode=require`, schema: randomSchema() });
    try {
      const error = await expectTqError(() => backend.connect(), 'TQ_BACKEND');
      expect(error.message).toMatch(/SSL/i);
    } finally {
      await backend.close();
    }
  });

  it('lets the ssl option take precedence over the URL (ssl: false with sslmode=require connects in clear)', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    const backend = createPostgresBackend({ url: `${POSTGRES_URL}?sslmode=require`, ssl: false, schema });
    try {
      await backend.connect();
    } finally {
      await backend.close();
    }
  });

  it('works on an injected pool and leaves it open on close()', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3 });
    try {
      const backend = createPostgresBackend({ pool, schema });
      await backend.storeState('t', { status: 'SUCCESS', result: 'shared pool' });
      expect((await backend.waitFor('t', { timeoutMs: 5_000 })).result).toBe('shared pool');
      await backend.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('registers postgres:// and postgresql:// (with ?schema=) in the URL registry', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    for (const scheme of ['postgres', 'postgresql']) {
      const backend = createBackendFromUrl(`${scheme}://postgres@127.0.0.1:5432/test?schema=${schema}`);
      try {
        expect(backend.name).toBe('postgres');
        await backend.storeState(scheme, { status: 'SUCCESS', result: scheme });
      } finally {
        await backend.close();
      }
    }
    const reader = createPostgresBackend({ url: POSTGRES_URL, schema });
    try {
      expect((await reader.get('postgresql')).result).toBe('postgresql');
    } finally {
      await reader.close();
    }
  });

  it('rejects a chord join with a different size for the same group', async () => {
    const schema = randomSchema();
    schemas.add(schema);
    const backend = createPostgresBackend({ url: POSTGRES_URL, schema });
    try {
      expect(await backend.chordJoin('g', 'a', 2)).toEqual({ count: 1, completed: false });
      const error = await expectTqError(() => backend.chordJoin('g', 'b', 3), 'TQ_CONFIGURATION');
      expect(error.message).toContain('joined with size 2 and now with 3');
    } finally {
      await backend.close();
    }
  });
});
