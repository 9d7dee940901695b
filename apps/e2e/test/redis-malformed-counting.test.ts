import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker } from '@tq/worker';
import { requireServer, waitUntil } from '@tq/testing';
import { Redis } from 'ioredis';
import { REDIS_URL, deleteRedisKeysUnder, pingRedis } from './support/shared-servers.js';

/**
 * Issue 13, defect 6: on Redis, entries that are not kombu envelopes at all (a raw LPUSH, invalid
 * JSON) are counted like every other bad message: message-rejected, not a consumer worker-error, so
 * worker.stats.rejected equals the number of dead letters.
 */
const redisUp = await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A kombu envelope around `body`, with the headers given (or none). */
function envelope(body: string, headers: Record<string, unknown> | undefined, contentType = 'application/json'): string {
  return JSON.stringify({
    body: Buffer.from(body).toString('base64'),
    'content-type': contentType,
    'content-encoding': 'utf-8',
    ...(headers !== undefined && { headers }),
    properties: { body_encoding: 'base64', delivery_tag: randomUUID(), delivery_info: { exchange: '', routing_key: 'celery' } },
  });
}

describe.runIf(redisUp)('a tq worker on Redis counting malformed messages', () => {
  it('counts 2 raw values and 5 bad envelopes as 7 rejected messages with 7 dead letters, and no consumer worker-error', async () => {
    const keyPrefix = `e2e-malformed-${randomUUID()}:`;
    cleanups.push(() => deleteRedisKeysUnder(keyPrefix, REDIS_URL));
    const broker = createRedisBroker({ url: REDIS_URL, keyPrefix });
    const app = createApp({ broker });
    cleanups.push(() => app.close());
    app.task('tasks.known', () => 'ok');
    const admin = new Redis(REDIS_URL);
    cleanups.push(async () => admin.disconnect());

    const id = (): string => randomUUID();
    await admin.lpush(
      `${keyPrefix}celery`,
      'hello',
      '{"not json',
      envelope('[[], {}, {}]', undefined),
      envelope('[[], {}, {}]', {}),
      envelope('[[], {}, {}]', { id: id(), task: 'tasks.nobody.registered' }),
      envelope('not json either', { id: id(), task: 'tasks.known' }),
      envelope('[[], {}, {}]', { id: id(), task: 'tasks.known' }, 'application/x-unknown'),
    );

    const worker = new Worker(app, { logLevel: 'silent', concurrency: 4 });
    cleanups.push(() => worker.stop({ cold: true, timeoutMs: 0 }));
    const consumerErrors: string[] = [];
    worker.on('worker-error', ({ error, context }) => {
      if (context === 'consumer') consumerErrors.push(String(error));
    });
    await worker.start();
    await waitUntil(async () => (await broker.stats('celery')).dead === 7, 15_000, { description: '7 dead letters' });
    await waitUntil(() => worker.stats.rejected === 7, 5_000, { description: 'stats.rejected to reach 7' });

    expect(worker.stats.rejected).toBe(7);
    expect(consumerErrors).toEqual([]);
    const letters = await broker.deadLetters('celery');
    expect(letters).toHaveLength(7);
    const rawBodies = letters.filter((letter) => letter.message.contentType === 'application/octet-stream').map((letter) => Buffer.from(letter.message.body).toString());
    expect(rawBodies.sort()).toEqual(['hello', '{"not json'].sort());
    expect(await broker.stats('celery')).toEqual({ ready: 0, inFlight: 0, delayed: 0, dead: 7 });
  }, 30_000);
});
