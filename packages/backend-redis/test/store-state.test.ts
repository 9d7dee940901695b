import { randomUUID } from 'node:crypto';
import { type ResultBackend, type StateUpdate } from '@tq/core';
import { requireServer } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, randomPrefix, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

const INSTANCES = 4;
const ROUNDS = 25;

describe.runIf(up)('storeState under concurrent writers', () => {
  const prefix = randomPrefix();
  let raw: Redis;
  let backends: ResultBackend[];

  beforeAll(async () => {
    raw = rawClient();
    backends = Array.from({ length: INSTANCES }, () => createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }));
    await Promise.all(backends.map((backend) => backend.connect()));
  });
  afterAll(async () => {
    for (const backend of backends ?? []) await backend.close();
    await deleteKeysUnder(raw, prefix);
    raw?.disconnect();
  });

  it('never loses a SUCCESS to a state read before it and written after it (compare-and-set)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const taskId = randomUUID();
      // A redelivered copy of the task reports STARTED/RETRY/FAILURE while the first copy succeeds.
      const updates: StateUpdate[] = [
        ...Array.from({ length: 5 }, (): StateUpdate => ({ status: 'STARTED', worker: 'celery@duplicate' })),
        ...Array.from({ length: 3 }, (): StateUpdate => ({ status: 'RETRY', result: { exc_type: 'OSError', exc_message: ['flaky'], exc_module: 'builtins' } })),
        { status: 'SUCCESS', result: { round } },
        ...Array.from({ length: 3 }, (): StateUpdate => ({ status: 'FAILURE', result: { exc_type: 'OSError', exc_message: ['late'], exc_module: 'builtins' } })),
      ];
      const outcomes = await Promise.all(updates.map((update, i) => (backends[i % INSTANCES] as ResultBackend).storeState(taskId, update)));
      expect(outcomes[updates.findIndex((update) => update.status === 'SUCCESS')], 'the SUCCESS was stored').toBe(true);
      const meta = await (backends[0] as ResultBackend).get(taskId);
      expect(meta, `round ${round}`).toMatchObject({ status: 'SUCCESS', result: { round } });
    }
  });
});
