import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const POSTGRES_NAME = 'PostgreSQL 127.0.0.1:5432 (database test)';

/** Resolves when the server answers; for requireServer. */
export async function pingPostgres(url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema name for one test: tests never share tables, and each drops its own. */
export function randomSchema(): string {
  return `tq_test_${randomBytes(6).toString('hex')}`;
}

/** Run one statement on a short-lived connection of its own, as another process (or psql) would. */
export async function sql<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = [], url = POSTGRES_URL): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Run statements in one transaction on a connection of their own. */
export async function sqlTransaction(statements: readonly (readonly [string, unknown[]])[], url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const [text, values] of statements) await client.query(text, values);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * A real pool of the test's own with the text of every statement sent through it recorded, to
 * inject into a backend (`createPostgresBackend({ pool })`). The caller ends it.
 */
export function recordingPool(max: number): { pool: pg.Pool; statements: string[] } {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max });
  const statements: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const textOf = (config: unknown): string => (typeof config === 'string' ? config : String((config as { text?: unknown }).text));
  Object.assign(pool, { query: (...args: unknown[]) => (statements.push(textOf(args[0])), query(...args)) });
  return { pool, statements };
}

export async function dropSchemas(schemas: Iterable<string>, url = POSTGRES_URL): Promise<void> {
  for (const schema of schemas) await sql(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`, [], url);
}
