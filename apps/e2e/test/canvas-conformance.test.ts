import { afterAll, describe } from 'vitest';
import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { canvasConformance } from '@tq/testing';
import { REDIS_URL, deleteKeysUnder, redisReady } from './canvas-redis.js';

const up = await redisReady();

// The shared canvas suite on the real Redis broker and the real Redis backend, each test under its own key prefix.
describe.runIf(up)('canvas on the Redis broker + Redis backend', () => {
  const prefixes = new Set<string>();

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysUnder(prefix);
  });

  canvasConformance({
    name: 'redis broker + redis backend',
    createApp: ({ namespace }) => {
      const prefix = `${namespace}:`;
      prefixes.add(prefix);
      return createApp({
        broker: createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }),
        backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
      });
    },
  });
});
