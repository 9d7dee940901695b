import { Redis } from 'ioredis';
import { requireServer } from '@tq/testing';

export const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** Probe once per file: CI=true fails without a server, elsewhere the suite is skipped loudly. */
export async function redisIsUp(): Promise<boolean> {
  return requireServer('Redis 127.0.0.1:6379', async () => {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
    } finally {
      probe.disconnect();
    }
  });
}

/**
 * Delete every key under `prefix` (this test's own namespace) — never FLUSHDB: the server is
 * shared with parallel runs.
 */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
