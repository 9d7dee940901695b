import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '@tq/core';
import { createBeat, type TickEvent } from '@tq/beat';
import { createRedisBeatStore } from '@tq/beat/redis';
import { sleep, waitUntil } from '@tq/testing';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './private-redis.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe.runIf(redisServerInstalled())('beat when its Redis store goes away (a private server the test restarts)', () => {
  it('survives the outage and then sends every tick it missed, each once', async () => {
    const redis: PrivateRedis = await startPrivateRedis();
    cleanups.push(() => redis.destroy());
    const app = createApp({ broker: 'memory://', backend: null });
    const sentDue: number[] = [];
    app.setDispatcher(() => Promise.resolve());
    const store = createRedisBeatStore({ url: redis.url });
    const beat = createBeat(app, { store, lease: { ttl: 2_000 } });
    beat.schedule('t', { every: '1s', task: 'outage.tick', catchUp: 'all' });
    beat.on('tick-sent', (tick: TickEvent) => sentDue.push(tick.dueAt));
    cleanups.push(async () => {
      await beat.stop();
      await store.close();
    });
    await beat.start();
    await waitUntil(() => sentDue.length >= 3, 10_000, { intervalMs: 20, description: 'three ticks before the outage' });

    await redis.stop();
    const down = Date.now();
    await sleep(3_000);
    await redis.start();
    const up = Date.now();
    await waitUntil(() => sentDue.some((due) => due >= up + 2_000), 20_000, { intervalMs: 20, description: 'ticks after the restart' });
    await beat.stop();

    const sorted = [...sentDue].sort((a, b) => a - b);
    expect(new Set(sorted).size).toBe(sorted.length);
    expect(sorted.length).toBe((sorted[sorted.length - 1]! - sorted[0]!) / 1_000 + 1);
    // The seconds of the outage were sent after it, by catch-up.
    expect(sorted.some((due) => due > down && due < up)).toBe(true);
  }, 60_000);
});
