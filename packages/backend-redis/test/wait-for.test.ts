import { randomUUID } from 'node:crypto';
import type { ResultBackend, TaskMeta } from '@tq/core';
import { expectTqError, requireServer, sleep } from '@tq/testing';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index.js';
import { REDIS_NAME, REDIS_URL, deleteKeysUnder, pingRedis, randomPrefix, rawClient } from './redis-test-support.js';

const up = await requireServer(REDIS_NAME, () => pingRedis());

/** Store a result the way Python Celery's Redis backend does: SET with an expiry, then PUBLISH, in one MULTI. */
async function storeAsCelery(client: Redis, key: string, taskId: string, result: unknown): Promise<number> {
  const value = JSON.stringify({ status: 'SUCCESS', result, traceback: null, children: [], date_done: '2024-05-17T12:00:01.654321', task_id: taskId });
  const replies = await client.multi().setex(key, 60, value).publish(key, value).exec();
  return Number(replies?.[1]?.[1]);
}

describe.runIf(up)('waitFor over Redis pub/sub', () => {
  let raw: Redis;
  let prefix: string;
  const backends: ResultBackend[] = [];

  const backend = async (options: { connectionName?: string } = {}): Promise<ResultBackend> => {
    const created = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix, ...options });
    backends.push(created);
    await created.connect();
    return created;
  };
  const keyOf = (taskId: string): string => `${prefix}celery-task-meta-${taskId}`;
  const subscribers = async (key: string): Promise<number> => Number((await raw.pubsub('NUMSUB', key))[1]);

  beforeAll(() => {
    raw = rawClient();
  });
  afterEach(async () => {
    for (const created of backends.splice(0)) await created.close();
    await deleteKeysUnder(raw, prefix);
  });
  afterAll(() => raw?.disconnect());
  // A fresh prefix per test, set before each test body runs.
  const freshPrefix = (): void => {
    prefix = randomPrefix();
  };

  /** A waiter subscribed to a fresh task's key, whose subscriber connection is then killed. */
  const waitThenKillSubscriber = async (): Promise<{ taskId: string; key: string; waiting: Promise<TaskMeta> }> => {
    freshPrefix();
    const connectionName = `tq-test-${randomUUID().slice(0, 8)}`;
    const waiter = await backend({ connectionName });
    const taskId = randomUUID();
    const key = keyOf(taskId);
    const waiting = waiter.waitFor(taskId, { timeoutMs: 10_000 });
    await expect.poll(() => subscribers(key)).toBe(1);
    await killConnection(raw, `${connectionName}:subscriber`);
    return { taskId, key, waiting };
  };

  it('is woken by a Celery-style SET + PUBLISH from another connection, and sends no command while idle (MONITOR)', async () => {
    freshPrefix();
    const waiter = await backend();
    const taskId = randomUUID();
    const key = keyOf(taskId);
    // MONITOR sees every command on the server; count those naming this test's key, so parallel runs do not interfere.
    const monitor = await rawClient().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.includes(key))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      const waiting = waiter.waitFor(taskId, { timeoutMs: 10_000 });
      await expect.poll(() => subscribers(key)).toBe(1);
      await sleep(100);
      const afterSubscribe = [...commands];
      // A poller would GET the key again and again in this time; a push-based wait sends nothing.
      await sleep(700);
      expect(commands, 'commands naming the key while idle').toEqual(afterSubscribe);
      expect(afterSubscribe.filter((name) => name === 'get'), 'one GET closes the subscribe race').toHaveLength(1);
      expect(afterSubscribe.filter((name) => name === 'subscribe')).toHaveLength(1);

      expect(await storeAsCelery(raw, key, taskId, { sum: 5 }), 'receivers of the PUBLISH').toBe(1);
      expect(await waiting).toMatchObject({ task_id: taskId, status: 'SUCCESS', result: { sum: 5 } });
      // The last waiter left: the subscription is dropped.
      await expect.poll(() => subscribers(key)).toBe(0);
    } finally {
      monitor.disconnect();
    }
  });

  it('shares one subscription between waiters on the same key and drops it when the last one leaves', async () => {
    freshPrefix();
    const waiter = await backend();
    const writer = await backend();
    const taskId = randomUUID();
    const key = keyOf(taskId);
    const controller = new AbortController();
    const first = waiter.waitFor(taskId, { signal: controller.signal });
    const second = waiter.waitFor(taskId, { timeoutMs: 10_000 });
    await expect.poll(() => subscribers(key)).toBe(1);
    controller.abort(new Error('first waiter gives up'));
    await expect(first).rejects.toThrow('first waiter gives up');
    await sleep(50);
    expect(await subscribers(key), 'still subscribed for the second waiter').toBe(1);
    await writer.storeState(taskId, { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['no'], exc_module: 'builtins' } });
    expect((await second).status).toBe('FAILURE');
    await expect.poll(() => subscribers(key)).toBe(0);
  });

  it('survives a killed subscriber connection: a result stored while it was down still resolves the wait', async () => {
    const { taskId, key, waiting } = await waitThenKillSubscriber();
    // Published to nobody: only the re-read after the reconnect can find it.
    expect(await storeAsCelery(raw, key, taskId, 'stored during the outage')).toBe(0);
    expect((await waiting).result).toBe('stored during the outage');
  });

  it('keeps receiving pushes after the subscriber reconnects and re-subscribes', async () => {
    const { taskId, key, waiting } = await waitThenKillSubscriber();
    await expect.poll(() => subscribers(key), { timeout: 5_000 }).toBe(1);
    expect(await storeAsCelery(raw, key, taskId, 'stored after the reconnect'), 'the re-subscribed waiter hears it').toBe(1);
    expect((await waiting).result).toBe('stored after the reconnect');
  });

  it('rejects pending waits with ClosedError on close()', async () => {
    freshPrefix();
    const waiter = await backend();
    const waiting = waiter.waitFor(randomUUID(), { timeoutMs: 10_000 });
    // Mark the rejection handled now; it is asserted below, after close() caused it.
    waiting.catch(() => undefined);
    await sleep(20);
    await waiter.close();
    await expectTqError(() => waiting, 'TQ_CLOSED');
  });
});

/** CLIENT KILL the connection with this CLIENT SETNAME name, as a network failure or a server restart would. */
async function killConnection(client: Redis, name: string): Promise<void> {
  const list = String(await client.client('LIST'));
  const line = list.split('\n').find((entry) => entry.includes(` name=${name} `));
  const id = line?.match(/\bid=(\d+)/)?.[1];
  if (id === undefined) throw new Error(`No connection named ${name} in CLIENT LIST`);
  await client.client('KILL', 'ID', id);
}
