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

describe.runIf(up)('complete updates written in one event-loop turn', () => {
  const prefix = randomPrefix();
  let raw: Redis;
  let backend: ResultBackend;

  beforeAll(async () => {
    raw = rawClient();
    backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    await backend.connect();
  });
  afterAll(async () => {
    await backend?.close();
    await deleteKeysUnder(raw, prefix);
    raw?.disconnect();
  });

  const complete = (status: string, result: unknown = null): StateUpdate => ({ status, result, name: 'tasks.add', complete: true });

  it('stores every one of a thousand, each answered for itself', async () => {
    const taskIds = Array.from({ length: 1_000 }, () => randomUUID());
    const outcomes = await Promise.all(taskIds.map((taskId, index) => backend.storeState(taskId, complete('SUCCESS', index))));
    expect(outcomes.every((stored) => stored)).toBe(true);
    const metas = await Promise.all(taskIds.map((taskId) => backend.get(taskId)));
    expect(metas.map((meta) => meta.result)).toEqual(taskIds.map((_, index) => index));
  });

  it('applies writes to the same task in the order they were issued', async () => {
    const startedThenDone = randomUUID();
    const doneThenStarted = randomUUID();
    const outcomes = await Promise.all([
      backend.storeState(startedThenDone, complete('STARTED')),
      backend.storeState(startedThenDone, complete('SUCCESS', 5)),
      backend.storeState(doneThenStarted, complete('SUCCESS', 6)),
      backend.storeState(doneThenStarted, complete('STARTED')),
    ]);
    expect(outcomes).toEqual([true, true, true, false]);
    expect(await backend.get(startedThenDone)).toMatchObject({ status: 'SUCCESS', result: 5 });
    expect(await backend.get(doneThenStarted)).toMatchObject({ status: 'SUCCESS', result: 6 });
  });

  it('answers a write replaced within the turn as the write that replaced it', async () => {
    const done = randomUUID();
    await backend.storeState(done, complete('SUCCESS', 1));
    const fresh = randomUUID();
    const outcomes = await Promise.all([
      backend.storeState(done, complete('STARTED')),
      backend.storeState(done, complete('RETRY')),
      backend.storeState(fresh, complete('STARTED')),
      backend.storeState(fresh, complete('RETRY')),
    ]);
    // A stored SUCCESS refuses both; on a fresh key both count as stored and the last one is kept.
    expect(outcomes).toEqual([false, false, true, true]);
    expect(await backend.get(done)).toMatchObject({ status: 'SUCCESS', result: 1 });
    expect(await backend.get(fresh)).toMatchObject({ status: 'RETRY' });
  });

  it('finishes writes already issued when closed', async () => {
    const closing = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    await closing.connect();
    const taskId = randomUUID();
    const stored = closing.storeState(taskId, complete('SUCCESS', 'last'));
    await closing.close();
    expect(await stored).toBe(true);
    expect(await backend.get(taskId)).toMatchObject({ status: 'SUCCESS', result: 'last' });
  });
});
