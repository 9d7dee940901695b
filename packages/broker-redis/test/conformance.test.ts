import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { brokerConformance } from '@tq/testing';
import { createRedisBroker, simulateRedisConsumerLoss } from '../src/index.js';
import { REDIS_URL, deleteKeys, redisIsUp } from './redis-test-server.js';

const up = await redisIsUp();
const LEASE_MS = 1_000;
const namespaces = new Set<string>();

describe.runIf(up)('redis broker', () => {
  brokerConformance({
    name: 'redis',
    createBroker: ({ namespace }) => {
      namespaces.add(namespace);
      return createRedisBroker({ url: REDIS_URL, keyPrefix: `${namespace}:`, lease: { leaseMs: LEASE_MS } });
    },
    simulateConsumerLoss: (_broker, consumer) => simulateRedisConsumerLoss(consumer),
    // A lease runs out, then the next reaper tick (a third of a lease) gives the message back.
    redeliveryTimeoutMs: 4 * LEASE_MS,
    delayToleranceMs: 500,
  });

  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    for (const namespace of namespaces) await deleteKeys(client, `${namespace}:`);
    client.disconnect();
  });
});
