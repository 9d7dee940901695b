import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { expectTqError, requireServer } from '@tq/testing';
import { createRedisBeatStore } from '../src/redis/index.js';
import { createBeatStoreFromUrl, resolveEntry } from '../src/index.js';
import { beatStoreContract } from './store-contract.js';

const URL = 'redis://127.0.0.1:6379/0';
const redisUp = await requireServer('Redis 127.0.0.1:6379', async () => {
  const client = new Redis(URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
});

const prefixes: string[] = [];
afterAll(async () => {
  if (!redisUp) return;
  const client = new Redis(URL);
  for (const prefix of prefixes) {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.unlink(...keys);
  }
  client.disconnect();
});

beatStoreContract(
  'redis',
  (keyPrefix) => createRedisBeatStore({ url: URL, keyPrefix }),
  () => {
    const prefix = `test-beat-${randomUUID()}:`;
    prefixes.push(prefix);
    return prefix;
  },
  redisUp,
);

describe.runIf(redisUp)('redis beat store', () => {
  it('is created from a URL with its key prefix', async () => {
    const prefix = `test-beat-${randomUUID()}:`;
    prefixes.push(prefix);
    const store = await createBeatStoreFromUrl(`${URL}?keyPrefix=${encodeURIComponent(prefix)}`);
    try {
      expect(store.kind).toBe('redis');
      await store.acquireLease('a', 1_000);
      const client = new Redis(URL);
      expect(await client.exists(`${prefix}lease`)).toBe(1);
      client.disconnect();
    } finally {
      await store.close();
    }
  });

  it('returns an entry that is not JSON as one that fails validation, keeping the others readable', async () => {
    const prefix = `test-beat-${randomUUID()}:`;
    prefixes.push(prefix);
    const store = createRedisBeatStore({ url: URL, keyPrefix: prefix });
    const client = new Redis(URL);
    try {
      await store.putEntry({ name: 'good', task: 't', every: '1s' });
      await client.hset(`${prefix}entries`, 'broken', '{ not json');
      const entries = await store.listEntries();
      expect(entries.find((entry) => entry.name === 'good')).toEqual({ name: 'good', task: 't', every: '1s' });
      await expectTqError(async () => resolveEntry(entries.find((entry) => entry.name === 'broken')), 'TQ_BEAT_INVALID_SCHEDULE');
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  it('maps a server that does not answer to a retryable TQ_BEAT_STORE error', async () => {
    const store = createRedisBeatStore({ url: 'redis://127.0.0.1:1/0', redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null } });
    const error = await expectTqError(() => store.acquireLease('a', 1_000), 'TQ_BEAT_STORE');
    expect(error.retryable).toBe(true);
    await store.close();
  });

  it('rejects a non-Redis URL naming the expected form', async () => {
    await expectTqError(async () => createRedisBeatStore({ url: 'http://127.0.0.1' }), 'TQ_CONFIGURATION');
  });
});
