import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The shared servers every e2e suite uses, their probes (for requireServer) and per-test cleanup.
 * Never restarted or emptied: each test has its own key prefix, queue or schema, and removes only that.
 */
export const REDIS_URL = 'redis://127.0.0.1:6379/0';
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Resolves when Redis at `url` answers PING; one attempt, no reconnects. */
export async function pingRedis(url: string = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // a refusal rejects connect(); the event would only be noise
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Resolves when RabbitMQ at `url` accepts an AMQP connection. */
export async function pingRabbitMq(url: string = AMQP_URL): Promise<void> {
  const connection = await connect(url);
  await connection.close();
}

/** Resolves when PostgreSQL at `url` answers `SELECT 1`. */
export async function pingPostgres(url: string = POSTGRES_URL, connectTimeoutMs = 2_000): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** UNLINK every key under `prefix` (SCAN, never KEYS or FLUSHDB: other tests share the server). */
export async function deleteRedisKeysUnder(prefix: string, url: string = REDIS_URL): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** Drop the schemas a test created, with everything in them. */
export async function dropPostgresSchemas(schemas: Iterable<string>, url: string = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
