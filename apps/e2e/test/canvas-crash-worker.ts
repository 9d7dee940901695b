import { Redis } from 'ioredis';
import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker } from '@tq/worker';

/**
 * A worker process for the chord crash test (canvas-crash.test.ts). Environment: E2E_REDIS_URL,
 * E2E_PREFIX, E2E_LEASE_MS, E2E_QUEUES (comma separated), and E2E_CRASH_AFTER: when set, the
 * process kills itself with SIGKILL right after that many header tasks succeeded — after each
 * stored its result and joined the chord, before its acksLate ack — the window the issue names.
 */
/** The app and tasks, for the worker processes and for the test's producer alike. */
export function crashApp(url: string, prefix: string, leaseMs = 1_500) {
  const counters = new Redis(url);
  const app = createApp({
    broker: createRedisBroker({ url, keyPrefix: prefix, lease: { leaseMs } }),
    backend: createRedisBackend({ url, keyPrefix: prefix }),
  });
  const part = app.task(
    'crash.part',
    async (index: number) => {
      await counters.incr(`${prefix}part-runs`);
      return index;
    },
    { acksLate: true },
  );
  const total = app.task(
    'crash.total',
    async (numbers: number[]) => {
      await counters.incr(`${prefix}body-runs`);
      return numbers.reduce((sum, value) => sum + value, 0);
    },
    { acksLate: true },
  );
  return { app, part, total, counters };
}

if (process.env.E2E_QUEUES !== undefined) {
  const { app } = crashApp(process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0', process.env.E2E_PREFIX ?? 'e2e:', Number(process.env.E2E_LEASE_MS ?? 1_500));
  const worker = new Worker(app, { queues: process.env.E2E_QUEUES.split(','), concurrency: 4, logLevel: 'silent' });
  const crashAfter = Number(process.env.E2E_CRASH_AFTER ?? 0);
  let succeeded = 0;
  if (crashAfter > 0) {
    worker.on('task-succeeded', ({ name }) => {
      if (name === 'crash.part' && ++succeeded >= crashAfter) process.kill(process.pid, 'SIGKILL');
    });
  }
  await worker.start();
  console.log('ready');
}
