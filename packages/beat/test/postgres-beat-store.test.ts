import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { expectTqError, requireServer } from '@tq/testing';
import { createPostgresBeatStore } from '../src/postgres/index.js';
import { createBeatStoreFromUrl } from '../src/index.js';
import { beatStoreContract } from './store-contract.js';

const URL = 'postgres://postgres@127.0.0.1:5432/test';
const postgresUp = await requireServer('PostgreSQL 127.0.0.1:5432', async () => {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  await client.end();
});

const schemas: string[] = [];
afterAll(async () => {
  if (!postgresUp) return;
  const client = new pg.Client(URL);
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

const newSchema = (): string => {
  const schema = `test_beat_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
};

beatStoreContract('postgres', (schema) => createPostgresBeatStore({ url: URL, schema }), newSchema, postgresUp);

describe.runIf(postgresUp)('postgres beat store', () => {
  it('creates its tables once when many processes connect at the same time', async () => {
    const schema = newSchema();
    const stores = Array.from({ length: 4 }, () => createPostgresBeatStore({ url: URL, schema }));
    await Promise.all(stores.map((store) => store.connect()));
    const client = new pg.Client(URL);
    await client.connect();
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema]);
    await client.end();
    expect(tables.rows.map((row) => row.table_name)).toEqual(['entries', 'last_run', 'lease']);
    await Promise.all(stores.map((store) => store.close()));
  });

  it('is created from a URL with its schema', async () => {
    const schema = newSchema();
    const store = await createBeatStoreFromUrl(`${URL}?schema=${schema}`);
    try {
      expect(store.kind).toBe('postgres');
      expect((await store.acquireLease('a', 1_000)).held).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('maps a server that does not answer to a retryable TQ_BEAT_STORE error', async () => {
    const store = createPostgresBeatStore({ url: 'postgres://postgres@127.0.0.1:1/test', schema: newSchema() });
    const error = await expectTqError(() => store.connect(), 'TQ_BEAT_STORE');
    expect(error.retryable).toBe(true);
    await store.close();
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expectTqError(async () => createPostgresBeatStore({ url: URL, schema: 'x; DROP TABLE y' }), 'TQ_CONFIGURATION');
  });
});
