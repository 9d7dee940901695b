import { createPostgresBackend } from '@tq/backend-postgres';
import { createAmqpBroker } from '@tq/broker-amqp';
import { createRedisBroker } from '@tq/broker-redis';
import { createApp } from '@tq/core';
import { canvasConformance } from '@tq/testing';
import { afterAll, describe } from 'vitest';
import { REDIS_URL, deleteKeysUnder, redisReady } from './canvas-redis.js';
import { AMQP_URL, POSTGRES_URL, dropSchemas, postgresReady, rabbitReady, schemaFor } from './postgres/servers.js';

const postgresUp = await postgresReady();
const redisUp = await redisReady();
const rabbitUp = await rabbitReady();

// Each test's namespace becomes a schema of its own (and a key prefix or queue name); all are removed at the end.
const schemas = new Set<string>();
const redisPrefixes = new Set<string>();
const remember = (schema: string): string => (schemas.add(schema), schema);

afterAll(async () => {
  if (postgresUp) await dropSchemas(schemas);
  for (const prefix of redisPrefixes) await deleteKeysUnder(prefix);
});

describe.runIf(postgresUp && redisUp)('canvas on the Redis broker + PostgreSQL backend', () => {
  canvasConformance({
    name: 'redis broker + postgres backend',
    createApp: ({ namespace }) => {
      redisPrefixes.add(`${namespace}:`);
      return createApp({
        broker: createRedisBroker({ url: REDIS_URL, keyPrefix: `${namespace}:` }),
        backend: createPostgresBackend({ url: POSTGRES_URL, schema: remember(schemaFor(namespace)) }),
      });
    },
  });
});

describe.runIf(postgresUp && rabbitUp)('canvas on the RabbitMQ broker + PostgreSQL backend', () => {
  canvasConformance({
    name: 'amqp broker + postgres backend',
    // A queue of the test's own that deletes itself once unused; delay levels apart from Celery's.
    createApp: ({ namespace }) =>
      createApp({
        broker: createAmqpBroker({ url: AMQP_URL, topologyPrefix: 'tq-test', queues: { expiresMs: 120_000 } }),
        backend: createPostgresBackend({ url: POSTGRES_URL, schema: remember(schemaFor(namespace)) }),
        defaultQueue: namespace,
      }),
  });
});
