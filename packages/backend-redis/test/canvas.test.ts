import { createApp } from '@tq/core';
import { canvasConformance, requireServer } from '@tq/testing';
import { describe } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, namespacePrefixes, pingRedis } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

// The canvas on the Redis backend: chord joins, saved groups and run-once claims go through Redis
// (the broker is the in-memory one here; apps/e2e runs the same suite on the Redis broker too).
describe.runIf(up)('@tq/backend-redis canvas', () => {
  const keyPrefixOf = namespacePrefixes();

  canvasConformance({
    name: 'memory broker + redis backend',
    createApp: ({ namespace }) => createApp({ broker: `memory://${namespace}`, backend: createRedisBackend({ url: REDIS_URL, keyPrefix: keyPrefixOf(namespace) }) }),
  });
});
