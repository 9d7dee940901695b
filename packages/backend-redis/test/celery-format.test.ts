import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ResultBackend, serializeError } from '@tq/core';
import { requireServer } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, pingRedis, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

interface GoldenResult {
  key: string;
  raw: string;
  decoded: Record<string, unknown>;
}

function golden(name: string): GoldenResult {
  return JSON.parse(readFileSync(new URL(`../../core/test/fixtures/celery/results/${name}.json`, import.meta.url), 'utf8')) as GoldenResult;
}

// Python's datetime.utcnow().isoformat(): no offset, microseconds unless they are zero.
const CELERY_DATE_DONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$/;

/** Celery writes `children: null` when a result is stored outside a worker and `[]` from one; tq stores as a worker does. */
function asStoredByWorker(decoded: Record<string, unknown>): Record<string, unknown> {
  return { ...decoded, children: decoded.children ?? [] };
}

describe.runIf(up)("Celery's result format in Redis", () => {
  let raw: Redis;
  let backend: ResultBackend;
  // No keyPrefix: these tests check the exact names Celery uses. Ids are random and deleted one by one.
  const keysWritten = new Set<string>();
  const taskId = (): string => {
    const id = randomUUID();
    keysWritten.add(`celery-task-meta-${id}`);
    return id;
  };

  beforeAll(async () => {
    raw = rawClient();
    backend = createRedisBackend({ url: REDIS_URL });
    await backend.connect();
  });
  afterEach(async () => {
    if (keysWritten.size > 0) await raw.del(...keysWritten);
    keysWritten.clear();
  });
  afterAll(async () => {
    await backend?.close();
    raw?.disconnect();
  });

  /** The stored JSON with the values that differ per run (ids, time) replaced by the golden ones. */
  async function storedLike(goldenResult: GoldenResult, id: string): Promise<string> {
    const stored = await raw.get(`celery-task-meta-${id}`);
    expect(stored, 'the key celery-task-meta-<id> exists').not.toBeNull();
    const dateDone = (JSON.parse(stored ?? 'null') as { date_done: string }).date_done;
    expect(dateDone).toMatch(CELERY_DATE_DONE);
    const goldenDateDone = goldenResult.decoded.date_done as string;
    return (stored ?? '').replaceAll(id, goldenResult.decoded.task_id as string).replace(JSON.stringify(dateDone), JSON.stringify(goldenDateDone));
  }

  it('stores a SUCCESS under celery-task-meta-<id> byte for byte as Celery does (golden success-in-group)', async () => {
    const expected = golden('success-in-group');
    const id = taskId();
    await backend.storeState(id, {
      status: 'SUCCESS',
      result: { sum: 5, items: [1, 'two', null] },
      groupId: expected.decoded.group_id as string,
      parentId: expected.decoded.parent_id as string,
    });
    expect(await storedLike(expected, id)).toBe(expected.raw);
  });

  it('stores plain SUCCESS and FAILURE metas with the fields, values and key order of the golden fixtures', async () => {
    for (const name of ['success', 'failure']) {
      const expected = golden(name);
      const id = taskId();
      const { status, result, traceback } = expected.decoded as { status: string; result: unknown; traceback: string | null };
      await backend.storeState(id, { status, result, traceback });
      const stored = JSON.parse(await storedLike(expected, id)) as Record<string, unknown>;
      expect(stored, name).toStrictEqual(asStoredByWorker(expected.decoded));
      expect(Object.keys(stored), `${name} key order`).toEqual(Object.keys(JSON.parse(expected.raw) as object));
    }
  });

  it("stores a thrown error in Celery's {exc_type, exc_message, exc_module} form via serializeError", async () => {
    const id = taskId();
    const failure = serializeError(new TypeError('unsupported operand'));
    await backend.storeState(id, { status: 'FAILURE', result: failure.error, traceback: failure.traceback });
    const stored = JSON.parse((await raw.get(`celery-task-meta-${id}`)) ?? 'null') as Record<string, unknown>;
    expect(stored.result).toStrictEqual({ exc_type: 'TypeError', exc_message: ['unsupported operand'], exc_module: 'builtins' });
    expect(stored.traceback).toContain('TypeError: unsupported operand');
  });

  it('writes extended fields where result_extended puts them, and keeps them when a later state leaves them out', async () => {
    const id = taskId();
    await backend.storeState(id, { status: 'STARTED', name: 'tests.add', args: [2, 3], kwargs: { carry: 1 }, worker: 'celery@host', retries: 1, queue: 'celery' });
    await backend.storeState(id, { status: 'SUCCESS', result: { sum: 5 } });
    const stored = (await raw.get(`celery-task-meta-${id}`)) ?? '';
    const dateDone = (JSON.parse(stored) as { date_done: string }).date_done;
    expect(stored).toBe(
      `{"status": "SUCCESS", "result": {"sum": 5}, "traceback": null, "children": [], "date_done": "${dateDone}", ` +
        `"name": "tests.add", "args": [2, 3], "kwargs": {"carry": 1}, "worker": "celery@host", "retries": 1, "queue": "celery", "task_id": "${id}"}`,
    );
  });

  it('sets the expiry on the key (resultExpiresMs → PX) and none with Infinity', async () => {
    const shortLived = createRedisBackend({ url: REDIS_URL, resultExpiresMs: 60_000 });
    const kept = createRedisBackend({ url: REDIS_URL, resultExpiresMs: Number.POSITIVE_INFINITY });
    try {
      const [a, b] = [taskId(), taskId()];
      await shortLived.storeState(a, { status: 'SUCCESS', result: 1 });
      await kept.storeState(b, { status: 'SUCCESS', result: 1 });
      const ttl = await raw.pttl(`celery-task-meta-${a}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await raw.pttl(`celery-task-meta-${b}`)).toBe(-1);
    } finally {
      await shortLived.close();
      await kept.close();
    }
  });

  it('publishes every stored state on the channel named like the key, as Celery does', async () => {
    const listener = rawClient();
    try {
      const id = taskId();
      const key = `celery-task-meta-${id}`;
      const messages: string[] = [];
      listener.on('message', (channel: string, message: string) => {
        if (channel === key) messages.push(message);
      });
      await listener.subscribe(key);
      await backend.storeState(id, { status: 'STARTED' });
      await backend.storeState(id, { status: 'SUCCESS', result: 7 });
      await expect.poll(() => messages.length).toBe(2);
      expect(messages[1]).toBe(await raw.get(key));
      expect((JSON.parse(messages[0] ?? '{}') as { status: string }).status).toBe('STARTED');
    } finally {
      listener.disconnect();
    }
  });

  it('round-trips big integers and floats exactly (never re-encoded by Lua)', async () => {
    const id = taskId();
    const result = {
      big: 12345678901234567890n,
      negativeBig: -98765432109876543210n,
      safe: Number.MAX_SAFE_INTEGER,
      sum: 0.1 + 0.2,
      third: 1 / 3,
      tiny: 5e-324,
      huge: Number.MAX_VALUE,
      precise: 123456.78901234567,
    };
    // The args are carried over from STARTED to SUCCESS by decoding and re-encoding in JS: still exact.
    await backend.storeState(id, { status: 'STARTED', args: [98765432109876543210n, 0.1] });
    await backend.storeState(id, { status: 'SUCCESS', result });
    const stored = (await raw.get(`celery-task-meta-${id}`)) ?? '';
    expect(stored).toContain('"args": [98765432109876543210, 0.1]');
    expect(stored).toContain('"big": 12345678901234567890');
    expect(stored).toContain('"negativeBig": -98765432109876543210');
    expect(stored).toContain('"sum": 0.30000000000000004');
    expect(stored).toContain('"third": 0.3333333333333333');
    expect((await backend.get(id)).result).toStrictEqual(result);
  });

  it('reads date_done as UTC: the naive Celery timestamp gets a Z, so Date.parse is right in any time zone', async () => {
    const id = taskId();
    const before = Date.now();
    await backend.storeState(id, { status: 'SUCCESS', result: 1 });
    const meta = await backend.get(id);
    expect(meta.date_done).toMatch(/Z$/);
    expect(Math.abs(Date.parse(meta.date_done ?? '') - before)).toBeLessThan(5_000);
  });

  it('saves a group in the format Celery 5.2 writes for GroupResult.save()', async () => {
    const groupId = randomUUID();
    const key = `celery-taskset-meta-${groupId}`;
    keysWritten.add(key);
    const members = [randomUUID(), randomUUID()];
    await backend.saveGroup(groupId, members);
    expect(await raw.get(key)).toBe(`{"result": [["${groupId}", null], [[["${members[0]}", null], null], [["${members[1]}", null], null]]]}`);
    expect(await raw.pttl(key)).toBeGreaterThan(0);
    expect(await backend.restoreGroup(groupId)).toEqual(members);
  });

  it('reads a Celery-written meta (golden fixture) with children null as []', async () => {
    const expected = golden('failure');
    const id = taskId();
    await raw.set(`celery-task-meta-${id}`, expected.raw.replaceAll(expected.decoded.task_id as string, id));
    const meta = await backend.get(id);
    expect(meta).toMatchObject({ task_id: id, status: 'FAILURE', result: expected.decoded.result, traceback: expected.decoded.traceback, children: [] });
    expect(meta.date_done).toBe(`${expected.decoded.date_done as string}Z`);
  });

  it('uses keyPrefix for keys and channels alike', async () => {
    const prefix = `tq-test-${randomUUID()}:`;
    const prefixed = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    try {
      const id = randomUUID();
      const key = `${prefix}celery-task-meta-${id}`;
      keysWritten.add(key);
      const waiting = prefixed.waitFor(id, { timeoutMs: 5_000 });
      await expect.poll(async () => (await raw.pubsub('NUMSUB', key))[1]).toBe(1);
      await prefixed.storeState(id, { status: 'SUCCESS', result: 'prefixed' });
      expect((await waiting).result).toBe('prefixed');
      expect(await raw.exists(`celery-task-meta-${id}`)).toBe(0);
      expect(await raw.exists(key)).toBe(1);
    } finally {
      await prefixed.close();
    }
  });
});
