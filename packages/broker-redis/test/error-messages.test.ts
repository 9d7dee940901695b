import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { expectTqError } from '@tq/testing';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, redisIsUp } from './redis-test-server.js';
import { textMessage } from './test-namespace.js';

const up = await redisIsUp();

/** Issue 13, defect 9: ioredis's "Connection is closed." is quoted with one period, never "closed..". */
describe.runIf(up)('redis broker error messages', () => {
  it('reports a publish on a client its owner closed as "…failed: Connection is closed." with one period', async () => {
    const client = new Redis(REDIS_URL);
    await client.ping();
    const broker = createRedisBroker({ client });
    client.disconnect();
    const error = await expectTqError(() => broker.publish(textMessage('x'), { queue: 'closed' }), 'TQ_BROKER');
    expect(error.message).toBe('Redis broker: publishing to "closed" failed: Connection is closed.');
    await broker.close();
  });
});
