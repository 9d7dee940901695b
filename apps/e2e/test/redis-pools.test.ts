import { randomUUID } from 'node:crypto';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { createRedisBackend } from '@tq/backend-redis';
import { requireServer } from '@tq/testing';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';
import { definePoolSuite } from './support/pool-suite.js';

const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const prefixes = new WeakMap<object, string>();

for (const pool of ['threads', 'processes'] as const) {
  if (!redisUp) continue;
  definePoolSuite({
    server: 'Redis',
    pool,
    async createApp() {
      const keyPrefix = `e2e-pools-${randomUUID()}:`;
      const app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: createRedisBackend({ url: REDIS_URL, keyPrefix }) });
      prefixes.set(app, keyPrefix);
      return app;
    },
    cleanup: (app) => deleteRedisKeysUnder(prefixes.get(app)!, REDIS_URL),
  });
}
