import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import { requireServer } from '@tq/testing';

export const SHARED_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';
export const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** RabbitMQ (the broker) and Redis (the results) both answer; `extra` adds a probe (Python Celery). */
export function amqpAndRedisUp(name: string, extra: () => void = () => undefined): Promise<boolean> {
  return requireServer(name, async () => {
    extra();
    const connection = await connect(SHARED_AMQP_URL);
    await connection.close();
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}
