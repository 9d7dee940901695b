import { requireServer } from '@tq/testing';
import { REDIS_URL, pingRedis } from './support/shared-servers.js';

/** Shared by the canvas e2e tests: the main Redis, a readiness probe, and cleanup of one test's keys. */
export { REDIS_URL, deleteRedisKeysUnder as deleteKeysUnder } from './support/shared-servers.js';

/** Resolves when Redis answers PING (and `extra` passes): requireServer's verdict under `name`. */
export function redisReady(name = 'Redis 127.0.0.1:6379', extra: () => void = () => undefined): Promise<boolean> {
  return requireServer(name, async () => {
    extra();
    await pingRedis(REDIS_URL);
  });
}
