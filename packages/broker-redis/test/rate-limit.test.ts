import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createMemoryBackend } from '@tq/core/memory';
import { waitUntil } from '@tq/testing';
import { Worker } from '@tq/worker';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';

const up = await redisIsUp();

describe.runIf(up)('worker rateLimit on the Redis broker', () => {
  it('spaces starts by 1/rate and returns held deliveries to Redis on stop', async () => {
    const keyPrefix = `tq-rate-limit-test-${randomBytes(5).toString('hex')}:`;
    const app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: createMemoryBackend({ namespace: keyPrefix }) });
    const startedAt: number[] = [];
    const limited = app.task('tasks.limited', () => void startedAt.push(performance.now()), { rateLimit: '5/s' });
    // A long shutdown timeout: held deliveries must not keep a warm stop waiting.
    const worker = new Worker(app, { logLevel: 'silent', shutdownTimeout: '60s' });
    try {
      await worker.start();
      const sentAt = performance.now();
      await Promise.all(Array.from({ length: 8 }, () => limited.delay()));
      await waitUntil(() => startedAt.length === 4, 5_000);
      await worker.stop();
      expect(worker.stats.rateLimited).toBe(0);
      // The first token is taken no earlier than the send, the fourth 3 × 200 ms later.
      expect(startedAt[3]! - sentAt).toBeGreaterThanOrEqual(590);
      expect(await app.broker.stats('celery')).toMatchObject({ ready: 8 - startedAt.length, inFlight: 0 });
    } finally {
      await worker.stop({ cold: true, timeoutMs: 0 });
      await app.broker.purge('celery').catch(() => undefined);
      await app.close();
    }
  });
});
