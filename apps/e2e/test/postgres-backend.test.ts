import { randomUUID } from 'node:crypto';
import { createPostgresBackend } from '@tq/backend-postgres';
import { createAmqpBroker } from '@tq/broker-amqp';
import { createRedisBroker } from '@tq/broker-redis';
import { type App, type Broker, type GroupResult, type TaskContext, chord, createApp } from '@tq/core';
import { startTestWorker } from '@tq/testing';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeysUnder, redisReady } from './canvas-redis.js';
import { AMQP_URL, POSTGRES_URL, dropSchemas, postgresReady, rabbitReady, schemaFor } from './postgres/servers.js';

const postgresUp = await postgresReady();
const redisUp = await redisReady();
const rabbitUp = await rabbitReady();

interface BrokerCase {
  name: string;
  up: boolean;
  /** A broker in a namespace of this test's own, and how to remove what it left behind. */
  create(namespace: string): { broker: Broker; defaultQueue: string; cleanup(): Promise<void> };
}

const BROKERS: BrokerCase[] = [
  {
    name: 'Redis broker',
    up: redisUp,
    create: (namespace) => ({
      broker: createRedisBroker({ url: REDIS_URL, keyPrefix: `${namespace}:` }),
      defaultQueue: 'celery',
      cleanup: () => deleteKeysUnder(`${namespace}:`),
    }),
  },
  {
    name: 'RabbitMQ broker',
    up: rabbitUp,
    create: (namespace) => ({
      // Queues of their own that delete themselves once unused.
      broker: createAmqpBroker({ url: AMQP_URL, topologyPrefix: 'tq-test', queues: { expiresMs: 120_000 } }),
      defaultQueue: namespace,
      cleanup: async () => undefined,
    }),
  },
];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const schemas: string[] = [];
afterAll(async () => {
  if (postgresUp) await dropSchemas(schemas);
});

describe.each(BROKERS)('PostgreSQL result backend with the $name', ({ up, create }) => {
  const setup = (): { app: App; schema: string } => {
    const namespace = `tq-e2e-pg-${randomUUID().slice(0, 12)}`;
    const schema = schemaFor(namespace);
    schemas.push(schema);
    const { broker, defaultQueue, cleanup } = create(namespace);
    cleanups.push(cleanup);
    const app = createApp({ broker, backend: createPostgresBackend({ url: POSTGRES_URL, schema }), defaultQueue });
    cleanups.push(() => app.close());
    return { app, schema };
  };

  it.runIf(up && postgresUp)('stores results and failures of real worker runs, readable through AsyncResult and plain SQL', async () => {
    const { app, schema } = setup();
    const add = app.task('e2e.add', (x: number, y: number) => x + y);
    const fail = app.task('e2e.fail', (why: string) => {
      throw new TypeError(why);
    });
    const worker = await startTestWorker(app, { concurrency: 8 });
    cleanups.push(() => worker.stop());

    const sums = await Promise.all(Array.from({ length: 25 }, (_, i) => add.delay(i, i)));
    const failed = await fail.delay('not a number');
    expect(await Promise.all(sums.map((result) => result.get({ timeout: 15_000 })))).toEqual(Array.from({ length: 25 }, (_, i) => 2 * i));
    await expect(failed.get({ timeout: 15_000 })).rejects.toMatchObject({ code: 'TQ_TASK_FAILED', excType: 'TypeError' });
    expect(await sums[3]!.info()).toMatchObject({ status: 'SUCCESS', result: 6, name: 'e2e.add', args: [3, 3] });

    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT status, count(*)::int AS n, min(error_type) AS error_type, min(error_message) AS error_message FROM ${pg.escapeIdentifier(schema)}.task_results GROUP BY status ORDER BY status`);
      expect(rows).toEqual([
        { status: 'FAILURE', n: 1, error_type: 'TypeError', error_message: 'not a number' },
        { status: 'SUCCESS', n: 25, error_type: null, error_message: null },
      ]);
    } finally {
      await client.end();
    }
  });

  it.runIf(up && postgresUp)('runs a chord: the header on the workers, the body once with every result, its rows in PostgreSQL', async () => {
    const { app, schema } = setup();
    const square = app.task('e2e.square', (x: number) => x * x);
    const bodyRuns: number[][] = [];
    const total = app.task('e2e.total', (values: number[]) => {
      bodyRuns.push(values);
      return values.reduce((sum, value) => sum + value, 0);
    });
    const worker = await startTestWorker(app, { concurrency: 8 });
    cleanups.push(() => worker.stop());

    const result = await chord(Array.from({ length: 12 }, (_, x) => square.s(x + 1)), total.s()).applyAsync();
    expect(await result.get({ timeout: 15_000 })).toBe(650);
    await worker.drained({ timeoutMs: 15_000 });
    expect(bodyRuns).toEqual([Array.from({ length: 12 }, (_, x) => (x + 1) ** 2)]);

    // The header's members and the chord counter are rows like any other.
    const header = result.parent as GroupResult;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const quoted = pg.escapeIdentifier(schema);
      const members = await client.query(`SELECT count(*)::int AS n FROM ${quoted}.task_results WHERE group_id = $1 AND status = 'SUCCESS'`, [header.id]);
      expect(members.rows).toEqual([{ n: 12 }]);
      const counter = await client.query(`SELECT size, completed_by IS NOT NULL AS completed FROM ${quoted}.chord_counters WHERE group_id = $1`, [header.id]);
      expect(counter.rows).toEqual([{ size: 12, completed: true }]);
    } finally {
      await client.end();
    }
  });

  it.runIf(up && postgresUp)('joins a hand-made chord through chordJoin exactly once, a redelivered member included, and restores its saved group', async () => {
    const { app, schema } = setup();
    const members = 6;
    const groupId = randomUUID();
    const backend = app.backend!;
    // Each member counts itself into the group; the one that completes it sends the body with every member's result.
    const square = app.task('e2e.square', async function (this: TaskContext, x: number) {
      const { completed } = await backend.chordJoin(groupId, this.id, members);
      // The body id is fixed, so a repeat send would be visible as a second run of the same id.
      if (completed) await app.sendTask('e2e.sum_group', [groupId], { taskId: `${groupId}-body` });
      return x * x;
    });
    const bodyRuns: string[] = [];
    app.task('e2e.sum_group', async function (this: TaskContext, group: string) {
      bodyRuns.push(this.id);
      const taskIds = (await backend.restoreGroup(group)) ?? [];
      const metas = await Promise.all(taskIds.map((taskId) => backend.waitFor(taskId, { timeoutMs: 10_000 })));
      return metas.reduce((sum, meta) => sum + (meta.result as number), 0);
    });

    const taskIds = Array.from({ length: members }, () => randomUUID());
    await backend.saveGroup(groupId, taskIds);
    // Another process restores the group by id.
    const other = createPostgresBackend({ url: POSTGRES_URL, schema });
    cleanups.push(() => other.close());
    expect(await other.restoreGroup(groupId)).toEqual(taskIds);

    const worker = await startTestWorker(app, { concurrency: 4 });
    cleanups.push(() => worker.stop());
    // The first member runs, then is delivered again (a duplicate): it is counted once.
    const first = await square.applyAsync([1], { taskId: taskIds[0], groupId });
    await first.get({ timeout: 15_000 });
    await app.sendTask('e2e.square', [1], { taskId: taskIds[0], groupId });
    await worker.drained({ timeoutMs: 15_000 });
    expect(await backend.chordJoin(groupId, taskIds[0]!, members)).toEqual({ count: 1, completed: false });
    await Promise.all(taskIds.slice(1).map((taskId, i) => square.applyAsync([i + 2], { taskId, groupId })));

    const body = app.asyncResult<number>(`${groupId}-body`);
    expect(await body.get({ timeout: 15_000 })).toBe(1 + 4 + 9 + 16 + 25 + 36);
    await worker.drained({ timeoutMs: 15_000 });
    expect(bodyRuns).toEqual([`${groupId}-body`]);
  });
});
