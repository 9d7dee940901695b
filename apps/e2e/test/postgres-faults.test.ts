import { randomUUID } from 'node:crypto';
import { createPostgresBackend } from '@tq/backend-postgres';
import { createApp, type ResultBackend } from '@tq/core';
import { startTestWorker, waitUntil } from '@tq/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivatePostgres, postgresBinDir, startPrivatePostgres } from './postgres/private-postgres.js';

const installed = postgresBinDir() !== undefined;
if (!installed && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('PostgreSQL server binaries are required in CI for the fault tests.');
if (!installed) process.stderr.write('\n!!! No PostgreSQL server binaries (/usr/lib/postgresql/*/bin): the Postgres fault tests are SKIPPED.\n\n');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function privateServer(): Promise<PrivatePostgres> {
  const server = await startPrivatePostgres();
  cleanups.push(() => server.destroy());
  return server;
}

function backendOn(server: PrivatePostgres): ResultBackend {
  const backend = createPostgresBackend({ url: server.url, schema: 'faults', retryWritesForMs: 20_000, poolOptions: { connectionTimeoutMillis: 2_000 } });
  cleanups.push(() => backend.close());
  return backend;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(installed)('PostgreSQL result backend across a server restart (private cluster)', () => {
  it('tasks finishing while the server is down have their results written once it is back; waiters reconnect and resolve', { timeout: 60_000 }, async () => {
    const server = await privateServer();
    const app = createApp({ broker: `memory://pg-faults-${randomUUID()}`, backend: backendOn(server) });
    cleanups.push(() => app.close());
    const slowDouble = app.task('faults.slow_double', async (x: number) => {
      await sleep(50 + (x % 10) * 40);
      return x * 2;
    });
    await app.connect();
    const worker = await startTestWorker(app, { concurrency: 4 });
    cleanups.push(() => worker.stop());

    const results = await Promise.all(Array.from({ length: 40 }, (_, x) => slowDouble.delay(x)));
    // Every caller waits through the backend's one LISTEN connection.
    const values = Promise.all(results.map((result) => result.get({ timeout: 60_000 })));
    await waitUntil(async () => (await results[3]!.state()) === 'SUCCESS', 10_000, { description: 'the first results to land' });

    await server.stop();
    // Tasks keep finishing meanwhile; their writes retry until the server is back.
    await sleep(1_500);
    await server.start();

    expect(await values).toEqual(Array.from({ length: 40 }, (_, x) => x * 2));
    await worker.drained({ timeoutMs: 30_000 });
  });

  it('survives `pg_ctl restart` (as pg_ctlcluster restart does): a wait started before and one started during the restart both resolve', { timeout: 60_000 }, async () => {
    const server = await privateServer();
    const waiter = backendOn(server);
    const writer = backendOn(server);
    await waiter.connect();
    await writer.connect();
    const before = randomUUID();
    const during = randomUUID();
    const waitBefore = waiter.waitFor(before, { timeoutMs: 60_000 });
    await sleep(100);

    const restarting = server.restart();
    const waitDuring = waiter.waitFor(during, { timeoutMs: 60_000 });
    // Issued while the server restarts: retried until it accepts connections.
    const stored = Promise.all([
      writer.storeState(before, { status: 'SUCCESS', result: 'before' }),
      writer.storeState(during, { status: 'SUCCESS', result: 'during' }),
    ]);
    await restarting;
    expect(await stored).toEqual([true, true]);
    expect((await waitBefore).result).toBe('before');
    expect((await waitDuring).result).toBe('during');

    // And the listener is live again: a later store is pushed as usual.
    const after = randomUUID();
    const waitAfter = waiter.waitFor(after, { timeoutMs: 10_000 });
    await writer.storeState(after, { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' } });
    expect((await waitAfter).status).toBe('FAILURE');
  });

  it('fails a write with a retryable BackendError once retryWritesForMs has passed, and close() does not hang while the server is down', async () => {
    const server = await privateServer();
    const backend = createPostgresBackend({ url: server.url, schema: 'faults', retryWritesForMs: 500, poolOptions: { connectionTimeoutMillis: 1_000 } });
    await backend.connect();
    const waiting = backend.waitFor(randomUUID(), { timeoutMs: 60_000 });
    waiting.catch(() => undefined);
    await server.stop();
    const error = await backend.storeState(randomUUID(), { status: 'SUCCESS', result: 1 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'TQ_BACKEND', retryable: true });
    const closing = backend.close();
    await expect(waiting).rejects.toMatchObject({ code: 'TQ_CLOSED' });
    await closing;
  });
});
