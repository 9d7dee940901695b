import { Redis } from 'ioredis';
import { requireServer } from '@tq/testing';

/** Shared by the canvas e2e tests: the main Redis, a readiness probe, and cleanup of one test's keys. */
export const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** Resolves when Redis answers PING (and `extra` passes): requireServer's verdict under `name`. */
export function redisReady(name = 'Redis 127.0.0.1:6379', extra: () => void = () => undefined): Promise<boolean> {
  return requireServer(name, async () => {
    extra();
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}

/** UNLINK every key under `prefix` (SCAN, never KEYS or FLUSHDB: other tests share the server). */
export async function deleteKeysUnder(prefix: string): Promise<void> {
  const client = new Redis(REDIS_URL);
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
