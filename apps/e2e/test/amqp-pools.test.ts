import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { createApp } from '@tq/core';
import { createAmqpBroker } from '@tq/broker-amqp';
import { createRedisBackend } from '@tq/backend-redis';
import { requireServer } from '@tq/testing';
import { AMQP_URL, REDIS_URL, deleteRedisKeysUnder, pingRabbitMq, pingRedis } from './support/shared-servers.js';
import { definePoolSuite } from './support/pool-suite.js';

const serversUp = (await requireServer('RabbitMQ 127.0.0.1:5672', () => pingRabbitMq(AMQP_URL))) && (await requireServer('Redis 127.0.0.1:6379', () => pingRedis(REDIS_URL)));
const keyPrefix = `e2e-amqp-pools-${randomUUID()}:`;

if (serversUp) {
  definePoolSuite({
    server: 'RabbitMQ',
    pool: 'threads',
    async createApp() {
      const broker = createAmqpBroker({ url: AMQP_URL, topologyPrefix: 'tq-e2e' });
      return createApp({ broker, backend: createRedisBackend({ url: REDIS_URL, keyPrefix }), defaultQueue: `e2e-pools-${randomUUID()}` });
    },
    async cleanup(app) {
      const connection = await connect(AMQP_URL);
      const channel = await connection.createChannel();
      for (const name of [app.defaultQueue, `${app.defaultQueue}.dead-letter`]) await channel.deleteQueue(name);
      await connection.close();
      await deleteRedisKeysUnder(keyPrefix, REDIS_URL);
    },
  });
}
