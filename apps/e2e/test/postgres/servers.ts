import { requireServer } from '@tq/testing';
import { connect } from 'amqplib';
import pg from 'pg';

/** The shared servers the Postgres e2e tests use (never restarted or emptied; each test has its own schema, prefix or queue). */
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';

/** requireServer's verdict for the shared PostgreSQL. */
export function postgresReady(): Promise<boolean> {
  return requireServer('PostgreSQL 127.0.0.1:5432 (database test)', async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

/** requireServer's verdict for the shared RabbitMQ. */
export function rabbitReady(): Promise<boolean> {
  return requireServer('RabbitMQ 127.0.0.1:5672', async () => {
    const connection = await connect(AMQP_URL);
    await connection.close();
  });
}

/** A schema name for a test namespace (hyphens are fine quoted, but plain names read better in psql). */
export function schemaFor(namespace: string): string {
  return namespace.replaceAll('-', '_');
}

/** Drop the schemas a test file created, with everything in them. */
export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
