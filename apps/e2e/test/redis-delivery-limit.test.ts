import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer, sleep, waitUntil } from '@tq/testing';
import { Redis } from 'ioredis';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './worker-process.js';

/**
 * Issue 13, defect 2, as it was found: two workers with a short lease and a task that blocks the
 * event loop longer than the lease. Each blocked worker cannot renew, the other reaps the message and
 * runs it, then blocks in turn: without a delivery limit the message ping-pongs forever.
 */
const limitApp = fileURLToPath(new URL('./redis/redis-limit-app.ts', import.meta.url));
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.runIf(redisUp)('the Redis delivery limit with real worker processes', () => {
  it('dead-letters a task that blocks the event loop past the lease after deliveryLimit runs, with TQ_DELIVERY_LIMIT and the count', async () => {
    const keyPrefix = `e2e-limit-${randomUUID()}:`;
    const limit = 3;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const env = { E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: keyPrefix, E2E_LEASE_MS: '1000', E2E_DELIVERY_LIMIT: String(limit) };
    const workers: WorkerProcess[] = [startWorkerProcess(env, [], limitApp), startWorkerProcess(env, [], limitApp)];
    for (const worker of workers) cleanups.push(() => stopWorkerProcess(worker));
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    const app = createApp({ broker });
    cleanups.push(() => app.close());
    const counter = new Redis(REDIS_URL);
    cleanups.push(async () => counter.disconnect());

    // Blocks 2.5 lease periods: the other worker reaps it every time.
    await app.sendTask('e2e.block', [2_500]);
    await waitUntil(async () => (await broker.stats('celery')).dead === 1, 60_000, { intervalMs: 200, description: 'the message to be dead-lettered' });
    // Two more lease periods: nobody runs it again.
    await sleep(3_000);

    const runs = Number(await counter.get(`${keyPrefix}runs`));
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThanOrEqual(limit);
    const [dead] = await broker.deadLetters('celery');
    expect(dead?.reason.code).toBe('TQ_DELIVERY_LIMIT');
    expect(dead?.reason.message).toContain(`Delivered ${limit} times`);
    expect(dead?.message.headers.task).toBe('e2e.block');
    expect(await broker.stats('celery')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 1 });
  }, 90_000);

  // Issue 14, item 7: the same task in a pool member blocks the member, not the event loop, so the
  // lease is renewed throughout and the message runs exactly once.
  it.each(['threads', 'processes'])('runs a task that blocks past the lease exactly once with --pool %s', async (pool) => {
    const keyPrefix = `e2e-lease-${pool}-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const env = { E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: keyPrefix, E2E_LEASE_MS: '1000', E2E_DELIVERY_LIMIT: '3' };
    const poolArgs = ['--pool', pool, '--concurrency', '2'];
    for (const worker of [startWorkerProcess(env, poolArgs, limitApp), startWorkerProcess(env, poolArgs, limitApp)]) cleanups.push(() => stopWorkerProcess(worker));
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    const app = createApp({ broker });
    cleanups.push(() => app.close());
    const counter = new Redis(REDIS_URL);
    cleanups.push(async () => counter.disconnect());

    await app.sendTask('e2e.block', [2_500]);
    await waitUntil(async () => Number(await counter.get(`${keyPrefix}runs`)) === 1, 30_000, { intervalMs: 100, description: 'the task to start' });
    await waitUntil(async () => (await broker.stats('celery')).inFlight === 0, 30_000, { intervalMs: 200, description: 'the task to be acked' });
    // Two more lease periods: nobody reaped it, nobody runs it again.
    await sleep(2_000);
    expect(Number(await counter.get(`${keyPrefix}runs`))).toBe(1);
    expect(await broker.stats('celery')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 0 });
  }, 90_000);
});
