import { randomUUID } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { createRedisBroker } from '@tq/broker-redis';
import { requireServer } from '@tq/testing';
import { deleteCeleryRedisQueues, probePythonCelery } from './support/python-celery.js';
import { REDIS_URL, pingRedis } from './support/shared-servers.js';
import { celeryBroadcastSuite } from './support/celery-broadcast-suite.js';

const ready = await requireServer('Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3; apt-get install -y python3-celery python3-redis)', async () => {
  probePythonCelery('redis');
  await pingRedis(REDIS_URL);
});

describe.runIf(ready)("broadcast over Redis on kombu's own layout (pub/sub channels, binding sets, reply lists)", () => {
  const queue = `e2e-redis-broadcast-${randomUUID()}`;
  afterAll(() => deleteCeleryRedisQueues([queue], []));
  celeryBroadcastSuite({
    resultsUrl: REDIS_URL,
    createBroker: () => createRedisBroker({ url: REDIS_URL }),
    celeryApp: 'e2e_celery_app',
    env: { E2E_REDIS_URL: REDIS_URL, E2E_BROKER_URL: REDIS_URL, E2E_QUEUE: queue },
  });
});
