import { requireServer } from '@tq/testing';
import { AMQP_URL, REDIS_URL, pingRabbitMq, pingRedis } from '../support/shared-servers.js';

export { REDIS_URL } from '../support/shared-servers.js';
export const SHARED_AMQP_URL = AMQP_URL;

/** RabbitMQ (the broker) and Redis (the results) both answer; `extra` adds a probe (Python Celery). */
export function amqpAndRedisUp(name: string, extra: () => void = () => undefined): Promise<boolean> {
  return requireServer(name, async () => {
    extra();
    await pingRabbitMq(SHARED_AMQP_URL);
    await pingRedis(REDIS_URL);
  });
}
