import { backendConformance, requireServer } from '@tq/testing';
import { describe } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, namespacePrefixes, pingRedis } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

describe.runIf(up)('@tq/backend-redis', () => {
  // Each test's namespace becomes its key prefix, swept after the suite.
  const keyPrefixOf = namespacePrefixes();

  backendConformance({
    name: 'redis',
    createBackend: ({ namespace }, overrides) => createRedisBackend({ url: REDIS_URL, keyPrefix: keyPrefixOf(namespace), ...overrides }),
  });
});
