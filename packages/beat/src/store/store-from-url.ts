import { ConfigurationError, maskUrl, type Clock } from '@tq/core';
import type { BeatStore } from './beat-store.js';
import { createMemoryBeatStore } from './memory-beat-store.js';

/**
 * A store from a URL, for the CLI: `redis://host:6379/0?keyPrefix=app:beat:`,
 * `postgres://user@host/db?schema=tq_beat`, or `memory://`. The Redis and Postgres stores are
 * loaded on demand, so ioredis / pg are needed only when used.
 */
export async function createBeatStoreFromUrl(url: string, options: { clock?: Clock } = {}): Promise<BeatStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') return createMemoryBeatStore(options);
  if (scheme === 'redis' || scheme === 'rediss') {
    const [storeUrl, keyPrefix] = takeParam(url, 'keyPrefix');
    const { createRedisBeatStore } = await import('../redis/index.js');
    return createRedisBeatStore({ url: storeUrl, ...(keyPrefix !== null && { keyPrefix }) });
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const [storeUrl, schema] = takeParam(url, 'schema');
    const { createPostgresBeatStore } = await import('../postgres/index.js');
    return createPostgresBeatStore({ url: storeUrl, ...(schema !== null && { schema }) });
  }
  throw new ConfigurationError(
    `Unknown beat store URL "${maskUrl(url)}": use redis://host:port/db[?keyPrefix=…], postgres://user@host/db[?schema=…] or memory:// (one process, no persistence).`,
  );
}

/** The URL without the store's own query parameter (the driver would not understand it), and its value. */
function takeParam(url: string, name: string): [string, string | null] {
  const parsed = new URL(url);
  const value = parsed.searchParams.get(name);
  parsed.searchParams.delete(name);
  return [parsed.toString(), value];
}
