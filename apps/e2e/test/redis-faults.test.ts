import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer, waitUntil } from '@tq/testing';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';
import { countSucceeded, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './worker-process.js';

const SHARED_REDIS = REDIS_URL;
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(SHARED_REDIS));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function producer(url: string, keyPrefix: string): App {
  const app = createApp({ broker: createRedisBroker({ url, keyPrefix }), backend: createRedisBackend({ url, keyPrefix }) });
  cleanups.push(() => app.close());
  return app;
}

function worker(env: Record<string, string>): WorkerProcess {
  const process = startWorkerProcess(env);
  cleanups.push(() => stopWorkerProcess(process));
  return process;
}

function deleteKeys(url: string, prefix: string): Promise<void> {
  return deleteRedisKeysUnder(prefix, url);
}

describe.runIf(redisUp)('fault tolerance on Redis (real worker processes)', () => {
  it('loses no acksLate task when a worker is killed with SIGKILL mid-run', async () => {
    const keyPrefix = `e2e-kill-${randomUUID()}:`;
    cleanups.push(() => deleteKeys(SHARED_REDIS, keyPrefix));
    const env = { E2E_REDIS_URL: SHARED_REDIS, E2E_PREFIX: keyPrefix, E2E_LEASE_MS: '1500' };
    const app = producer(SHARED_REDIS, keyPrefix);
    const first = worker(env);
    const results = await Promise.all(Array.from({ length: 200 }, (_, index) => app.sendTask<number>('e2e.work', [index, 20])));
    await waitUntil(async () => (await countSucceeded(results)) >= 40, 30_000, { intervalMs: 100, description: '40 tasks to succeed' });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const doneAtKill = await countSucceeded(results);
    expect(doneAtKill).toBeLessThan(200);

    worker(env);
    const values = await Promise.all(results.map((result) => result.get({ timeout: 60_000 })));
    expect(values).toEqual(Array.from({ length: 200 }, (_, index) => index));
  }, 120_000);

  describe('with its own Redis server that the test restarts', () => {
    let redis: PrivateRedis | undefined;
    afterEach(async () => {
      await redis?.destroy();
      redis = undefined;
    });

    it('resumes by itself after Redis restarts mid-run, and loses nothing acknowledged', async () => {
      redis = await startPrivateRedis();
      const keyPrefix = `e2e-restart-${randomUUID()}:`;
      const env = { E2E_REDIS_URL: redis.url, E2E_PREFIX: keyPrefix, E2E_LEASE_MS: '1500' };
      const app = producer(redis.url, keyPrefix);
      const survivor = worker(env);
      const results = await Promise.all(Array.from({ length: 300 }, (_, index) => app.sendTask<number>('e2e.work', [index, 10])));
      await waitUntil(async () => (await countSucceeded(results)) >= 60, 30_000, { intervalMs: 100, description: '60 tasks to succeed' });

      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await redis.start();

      const values = await Promise.all(results.map((result) => result.get({ timeout: 60_000 })));
      expect(values).toEqual(Array.from({ length: 300 }, (_, index) => index));
      expect(survivor.child.exitCode).toBeNull(); // the same process carried on
    }, 150_000);
  });
});
