import { randomUUID } from 'node:crypto';
import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import type { Worker } from '@tq/worker';
import { deleteKeys } from './redis-cleanup.js';
import { REDIS_URL, boundedWait } from './system.js';

export interface NoopDrain {
  tasks: number;
  /** Names the run in a timeout error. */
  label: string;
  /** The worker to measure, for the app holding the backlog (`bench.noop` on queue `bench`). */
  worker(app: ReturnType<typeof createApp>): Worker;
  /** After the worker stopped, before cleanup: check what the run must show. */
  after?(): Promise<void>;
}

/**
 * Send `tasks` no-op calls to Redis (broker and backend, own key prefix), then time one worker
 * from start() until its last task-succeeded; returns tasks per second.
 */
export async function drainNoopBacklog(drain: NoopDrain): Promise<number> {
  const keyPrefix = `bench-${randomUUID().slice(0, 8)}:`;
  const app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: createRedisBackend({ url: REDIS_URL, keyPrefix }), defaultQueue: 'bench' });
  const noop = app.task('bench.noop', () => null);
  try {
    for (let offset = 0; offset < drain.tasks; offset += 1_000) {
      await Promise.all(Array.from({ length: Math.min(1_000, drain.tasks - offset) }, () => noop.delay()));
    }
    const worker = drain.worker(app);
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    worker.on('task-succeeded', () => {
      if (++done === drain.tasks) finish();
    });
    const started = performance.now();
    await worker.start();
    await boundedWait(finished, drain.label);
    const seconds = (performance.now() - started) / 1_000;
    await worker.stop();
    await drain.after?.();
    return drain.tasks / seconds;
  } finally {
    await app.close();
    await deleteKeys(`${keyPrefix}*`);
  }
}
