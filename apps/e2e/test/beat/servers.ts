import { Redis } from 'ioredis';
import pg from 'pg';

export const REDIS_URL = 'redis://127.0.0.1:6379/0';
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Probes for requireServer. */
export async function pingRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

export async function pingPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  await client.end();
}

/** Remove a test's Redis namespace. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.unlink(...keys);
  client.disconnect();
}

/** Remove a test's Postgres schema. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client(POSTGRES_URL);
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}
