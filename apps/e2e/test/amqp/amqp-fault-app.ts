import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createAmqpBroker } from '@tq/broker-amqp';
import { defineWork } from '../fixtures/fault-tasks.js';

// A worker process under AMQP fault tests: everything it needs comes from the environment the test sets.
const amqpUrl = process.env.E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const redisUrl = process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const keyPrefix = process.env.E2E_PREFIX ?? 'e2e-amqp:';

export const app = createApp({
  broker: createAmqpBroker({ url: amqpUrl, topologyPrefix: 'tq-e2e', reconnect: { maxDelayMs: 1_000 } }),
  backend: createRedisBackend({ url: redisUrl, keyPrefix }),
  defaultQueue: process.env.E2E_QUEUE ?? 'celery',
});

export const work = defineWork(app);
