import { Redis } from 'ioredis';
import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createAmqpBroker } from '@tq/broker-amqp';

// A worker process that records every run it starts: `<prefix>runs` gets "<index> <epoch ms>" per start,
// so a test can count duplicates and see when each run began (e.g. during a broker outage).
const amqpUrl = process.env.E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const redisUrl = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const keyPrefix = process.env.E2E_PREFIX ?? 'e2e-amqp-runs:';
const redis = new Redis(redisUrl);

export const app = createApp({
  broker: createAmqpBroker({ url: amqpUrl, topologyPrefix: 'tq-e2e', reconnect: { maxDelayMs: 500 } }),
  backend: createRedisBackend({ url: redisUrl, keyPrefix }),
  defaultQueue: process.env.E2E_QUEUE ?? 'celery',
});

export const recordRun = app.task(
  'e2e.record-run',
  async (index: number, ms: number) => {
    await redis.rpush(`${keyPrefix}runs`, `${index} ${Date.now()}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return index;
  },
  { acksLate: true },
);
