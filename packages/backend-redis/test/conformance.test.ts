import { backendConformance, requireServer } from '@tq/testing';
import { afterAll, describe } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

describe.runIf(up)('@tq/backend-redis', () => {
  // Each test's namespace becomes its key prefix; the harness forgets task ids, this sweeps the rest (groups, chords).
  const namespaces = new Set<string>();

  afterAll(async () => {
    const cleaner = rawClient();
    try {
      for (const namespace of namespaces) await deleteKeysUnder(cleaner, `${namespace}:`);
    } finally {
      cleaner.disconnect();
    }
  });

  backendConformance({
    name: 'redis',
    createBackend: ({ namespace }, overrides) => {
      namespaces.add(namespace);
      return createRedisBackend({ url: REDIS_URL, keyPrefix: `${namespace}:`, ...overrides });
    },
  });
});
