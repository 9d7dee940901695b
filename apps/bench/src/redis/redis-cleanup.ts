import { Redis } from 'ioredis';
import { REDIS_URL } from './system.js';

/** Delete every key under a prefix (SCAN, never FLUSHDB: the server is shared). */
export async function deleteKeys(pattern: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
