import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { requireServer } from '@tq/testing';
import { createAmqpBroker, type AmqpBroker, type AmqpBrokerOptions } from '../src/index.js';

export const AMQP_URL = process.env.TQ_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
/** The delay levels of these tests, apart from Celery's own so a Python app on the server never sees them. */
export const TEST_TOPOLOGY_PREFIX = 'tq-test';
/** Test queues delete themselves once unused for this long. */
export const TEST_QUEUE_EXPIRES_MS = 120_000;

export function rabbitIsUp(): Promise<boolean> {
  return requireServer('RabbitMQ 127.0.0.1:5672', async () => {
    const connection = await connect(AMQP_URL);
    await connection.close();
  });
}

export function randomQueue(label: string): string {
  return `tq-test-${label}-${randomBytes(5).toString('hex')}`;
}

export function testBroker(options: AmqpBrokerOptions = {}): AmqpBroker {
  return createAmqpBroker({
    url: AMQP_URL,
    topologyPrefix: TEST_TOPOLOGY_PREFIX,
    ...options,
    queues: { expiresMs: TEST_QUEUE_EXPIRES_MS, ...options.queues },
  });
}

/** Brokers a test file creates, closed after each test: `const { broker } = trackBrokers(afterEach)`. */
export function trackBrokers(afterEach: (cleanup: () => Promise<void>) => void): { broker: (options?: AmqpBrokerOptions) => AmqpBroker } {
  const open: AmqpBroker[] = [];
  afterEach(async () => {
    for (const created of open.splice(0)) await created.close().catch(() => undefined);
  });
  return {
    broker: (options = {}) => {
      const created = testBroker(options);
      open.push(created);
      return created;
    },
  };
}
