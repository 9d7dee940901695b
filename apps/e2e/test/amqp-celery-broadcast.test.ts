import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { createAmqpBroker } from '@tq/broker-amqp';
import { REDIS_URL, SHARED_AMQP_URL, amqpAndRedisUp } from './amqp/servers.js';
import { probePythonCelery } from './amqp/python-celery.js';
import { celeryBroadcastSuite } from './support/celery-broadcast-suite.js';

const PYTHON_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672//';

const ready = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672, Redis 127.0.0.1:6379 and Python Celery 5.2 (/usr/bin/python3)', probePythonCelery);

describe.runIf(ready)("broadcast over RabbitMQ on Celery 5.2's own wire (pidbox and celeryev)", () => {
  const queue = `e2e-amqp-broadcast-${randomUUID()}`;
  celeryBroadcastSuite({
    resultsUrl: REDIS_URL,
    createBroker: () => createAmqpBroker({ url: SHARED_AMQP_URL }),
    celeryApp: 'amqp_celery_app',
    env: { E2E_AMQP_URL: PYTHON_AMQP_URL, E2E_BROKER_URL: PYTHON_AMQP_URL, E2E_REDIS_URL: REDIS_URL, E2E_QUEUE: queue },
  });
});
