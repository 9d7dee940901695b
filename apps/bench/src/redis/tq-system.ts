import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker } from '@tq/worker';
import { deleteKeys } from './redis-cleanup.js';
import { REDIS_URL, atSteadyRate, boundedWait, type QueueSystem } from './system.js';

/** tq with the Redis broker and Redis result backend, defaults as a user gets them (STARTED and SUCCESS stored). */
export function tqSystem(run: string): QueueSystem {
  const keyPrefix = `bench-tq-${run}:`;
  const app = createApp({
    broker: createRedisBroker({ url: REDIS_URL, keyPrefix }),
    backend: createRedisBackend({ url: REDIS_URL, keyPrefix }),
    defaultQueue: 'bench',
  });
  const toStart: number[] = [];
  const noop = app.task('bench.noop', () => null);
  const stamped = app.task('bench.stamped', (sentAt: number) => {
    toStart.push(Date.now() - sentAt);
    return null;
  });
  const workers: Worker[] = [];

  const startWorker = async (concurrency: number): Promise<Worker> => {
    const worker = new Worker(app, { concurrency, logLevel: 'silent' });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  return {
    name: 'tq',
    async enqueueBulk(count) {
      // No special bulk API: concurrent delay() calls are pipelined by the Redis client.
      for (let offset = 0; offset < count; offset += 1_000) {
        await Promise.all(Array.from({ length: Math.min(1_000, count - offset) }, () => noop.delay()));
      }
    },
    async enqueueConcurrent(count, inFlight) {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < count) {
          next++;
          await noop.delay();
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    async drain(count, concurrency) {
      let done = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const worker = new Worker(app, { concurrency, logLevel: 'silent' });
      workers.push(worker);
      worker.on('task-succeeded', () => {
        if (++done === count) finish();
      });
      const started = performance.now();
      await worker.start();
      await boundedWait(finished, `tq drain c=${concurrency}`);
      const seconds = (performance.now() - started) / 1_000;
      await worker.stop();
      return seconds;
    },
    async latency(count, ratePerSecond, concurrency) {
      toStart.length = 0;
      const toResult: number[] = [];
      const worker = await startWorker(concurrency);
      await atSteadyRate(count, ratePerSecond, async () => {
        const sentAt = Date.now();
        const result = await stamped.delay(sentAt);
        await result.get({ timeout: 30_000 });
        toResult.push(Date.now() - sentAt);
      });
      await worker.stop();
      return { toStart: [...toStart], toResult };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await app.close();
      await deleteKeys(`${keyPrefix}*`);
    },
  };
}
