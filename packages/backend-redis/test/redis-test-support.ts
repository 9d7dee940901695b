import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

export const REDIS_URL = 'redis://127.0.0.1:6379/0';
export const REDIS_NAME = 'Redis 127.0.0.1:6379';

/** A plain connection for reading and writing raw keys, as another process (or Celery) would. */
export function rawClient(url = REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'tq-backend-redis-test' });
}

/** Resolves when the server answers PING; for requireServer. */
export async function pingRedis(url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** A fresh key prefix for one test: the shared server is never flushed, only these keys deleted. */
export function randomPrefix(): string {
  return `tq-test-${randomUUID()}:`;
}

/** Delete every key under `prefix` (SCAN, never KEYS or FLUSHDB: other runs share the server). */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * For a suite whose harness hands out namespaces: returns the key prefix of a namespace and
 * remembers it, and after the suite deletes every key under the prefixes handed out (the harness
 * forgets task ids, this sweeps the rest: groups, chords). Call inside the `describe`.
 */
export function namespacePrefixes(): (namespace: string) => string {
  const namespaces = new Set<string>();
  afterAll(async () => {
    const cleaner = rawClient();
    try {
      for (const namespace of namespaces) await deleteKeysUnder(cleaner, `${namespace}:`);
    } finally {
      cleaner.disconnect();
    }
  });
  return (namespace) => {
    namespaces.add(namespace);
    return `${namespace}:`;
  };
}
