import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { createAmqpBroker, type AmqpBroker } from '@tq/broker-amqp';
import { waitUntil } from '@tq/testing';
import { probePythonCelery, pythonDeclareDelayLevels, type PythonEnv } from './amqp/python-celery.js';
import { SHARED_AMQP_URL, amqpAndRedisUp } from './amqp/servers.js';

const ready = await amqpAndRedisUp('RabbitMQ 127.0.0.1:5672 and Python kombu (/usr/bin/python3)', probePythonCelery);
const prefixes: string[] = [];
const queues: string[] = [];

/** The delay levels' names under a prefix, as kombu 5.5 names them. */
function levelNames(prefix: string): string[] {
  return [...Array.from({ length: 28 }, (_, level) => `${prefix}_celery_delayed_${level}`), `${prefix}_celery_delayed_delivery`];
}

afterAll(async () => {
  const connection = await connect(SHARED_AMQP_URL);
  const channel = await connection.createChannel();
  for (const prefix of prefixes) {
    for (const name of levelNames(prefix)) {
      await channel.deleteQueue(name);
      await channel.deleteExchange(name);
    }
    await channel.deleteExchange(`${prefix}tq.dead-letter`);
  }
  for (const queue of queues) {
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dead-letter`);
    await channel.deleteExchange(queue);
  }
  await connection.close();
});

async function delayedRoundTrip(prefix: string, queueType: 'classic' | 'quorum'): Promise<AmqpBroker> {
  const broker = createAmqpBroker({ url: SHARED_AMQP_URL, topologyPrefix: prefix, delays: { queueType } });
  const queue = `e2e-amqp-delay-${randomUUID()}`;
  queues.push(queue);
  const deliverAt = Date.now() + 1_000;
  await broker.publish({ body: Buffer.from('later'), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} }, { queue, deliverAt });
  expect((await broker.stats(queue)).delayed).toBe(1);
  // Watched with queue.declare only: stats() reads the delay levels with basic.get, and polling it
  // would keep the message checked out of its level (where it cannot expire) much of the time.
  const connection = await connect(SHARED_AMQP_URL);
  const channel = await connection.createChannel();
  try {
    await waitUntil(async () => (await channel.checkQueue(queue)).messageCount === 1, 10_000, { description: 'the delayed message to reach its queue' });
  } finally {
    await connection.close();
  }
  expect(Date.now()).toBeGreaterThanOrEqual(deliverAt);
  return broker;
}

describe.runIf(ready)('Celery 5.5 native delayed delivery topology shared with kombu', () => {
  const env: PythonEnv = { E2E_AMQP_URL: SHARED_AMQP_URL.replace(/\/$/, '//'), E2E_REDIS_URL: 'redis://127.0.0.1:6379/0', E2E_QUEUE: 'unused' };

  for (const queueType of ['classic', 'quorum'] as const) {
    it(`accepts delay levels kombu declared first (${queueType}) and delays through them`, async () => {
      const prefix = `tq-e2e-${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      pythonDeclareDelayLevels(env, prefix, queueType);
      const broker = await delayedRoundTrip(prefix, queueType);
      await broker.close();
    }, 60_000);

    it(`declares the delay levels first, and kombu re-declares them without a conflict (${queueType})`, async () => {
      const prefix = `tq-e2e-${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      const broker = await delayedRoundTrip(prefix, queueType);
      // kombu re-declaring the same names with its own arguments would fail with 406 if any differed.
      expect(() => pythonDeclareDelayLevels(env, prefix, queueType)).not.toThrow();
      await broker.close();
    }, 60_000);
  }
});
