import { createApp } from '@tq/core';
import { createRedisBroker } from '@tq/broker-redis';
import { Redis } from 'ioredis';

// A worker process for the delivery-limit and unreachable-broker tests, configured by the environment.
const url = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const keyPrefix = process.env.E2E_PREFIX ?? 'e2e:';
const leaseMs = Number(process.env.E2E_LEASE_MS ?? 1_000);
const deliveryLimit = Number(process.env.E2E_DELIVERY_LIMIT ?? 10);

export const app = createApp({ broker: createRedisBroker({ url, keyPrefix, lease: { leaseMs }, deliveryLimit }) });

let counter: Redis | undefined;

/**
 * Counts its runs in Redis, then blocks the event loop for `ms` (a synchronous loop, like CPU-bound
 * work on the default pool): the lease cannot be renewed meanwhile.
 */
export const block = app.task(
  'e2e.block',
  async (ms: number) => {
    counter ??= new Redis(url);
    await counter.incr(`${keyPrefix}runs`);
    const until = Date.now() + ms;
    while (Date.now() < until) {
      // Busy on purpose.
    }
    return ms;
  },
  { acksLate: true },
);

export const work = app.task('e2e.work', (a: number, b: number) => a + b);
