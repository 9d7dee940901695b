import { createApp } from '@tq/core';
import { requireServer, startTestWorker } from '@tq/testing';
import { describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, randomPrefix, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

describe.runIf(up)('with a tq worker (the README example)', () => {
  it('stores what the worker computes, and AsyncResult.get waits for it, failures included', async () => {
    const prefix = randomPrefix();
    const app = createApp({ broker: `memory://${prefix.slice(0, -1)}`, backend: createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }) });
    const add = app.task('tests.add', async (x: number, y: number) => x + y);
    const divide = app.task('tests.divide', async (x: number, y: number) => {
      if (y === 0) throw new RangeError('division by zero');
      return x / y;
    });
    const worker = await startTestWorker(app);
    const raw = rawClient();
    try {
      const sum = await add.delay(2, 3);
      expect(await sum.get({ timeout: 5_000 })).toBe(5);
      expect(await sum.info()).toMatchObject({ status: 'SUCCESS', name: 'tests.add', args: [2, 3] });
      const failed = await divide.delay(1, 0);
      await expect(failed.get({ timeout: 5_000 })).rejects.toThrow('division by zero');
      expect(JSON.parse((await raw.get(`${prefix}celery-task-meta-${failed.id}`)) ?? 'null')).toMatchObject({
        status: 'FAILURE',
        result: { exc_type: 'RangeError', exc_message: ['division by zero'] },
      });
    } finally {
      await worker.stop();
      await app.close();
      await deleteKeysUnder(raw, prefix);
      raw.disconnect();
    }
  });
});
