import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chord } from '@tq/core';
import { waitUntil } from '@tq/testing';
import { REDIS_URL, deleteKeysUnder, redisReady } from './canvas-redis.js';
import { crashApp } from './canvas-crash-worker.js';

const up = await redisReady();
const script = fileURLToPath(new URL('./canvas-crash-worker.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The worker script in its own process (tsx from the repository root), resolving once it consumes. */
function startWorker(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | string>; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => reject(new Error(`worker exited before it was ready: ${output}`)));
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, ready };
}

describe.runIf(up)('a chord when a worker dies between storing a header result and acking it (Redis, real processes)', () => {
  const prefix = `tq-e2e-canvas-crash-${randomUUID()}:`;
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deleteKeysUnder(prefix);
  });

  it('redelivers the unacked header and still runs the body exactly once', async () => {
    const env = { E2E_REDIS_URL: REDIS_URL, E2E_PREFIX: prefix, E2E_LEASE_MS: '1500' };
    const { app, part, total, counters } = crashApp(REDIS_URL, prefix);
    try {
      // The first worker takes only header tasks (so it never holds the body) and dies after the 6th succeeded.
      const first = startWorker({ ...env, E2E_QUEUES: 'headers', E2E_CRASH_AFTER: '6' });
      children.push(first.child);
      await within(first.ready, 30_000, 'the first worker to start');
      const header = Array.from({ length: 6 }, (_, index) => part.s(index + 1).set({ queue: 'headers' }));
      const result = await chord(header, total.s().set({ queue: 'bodies' })).applyAsync();
      expect(await within(first.exited, 30_000, 'the first worker to kill itself')).toBe('SIGKILL');

      const second = startWorker({ ...env, E2E_QUEUES: 'headers,bodies' });
      children.push(second.child);
      await within(second.ready, 30_000, 'the second worker to start');
      expect(await result.get({ timeout: 30_000 })).toBe(21);
      // The killed worker's unacked header came back after its lease and ran again…
      await waitUntil(async () => Number(await counters.get(`${prefix}part-runs`)) > 6, 20_000, { description: 'the unacked header task to be redelivered and run again' });
      // …and once both queues are settled, the body still ran once.
      await waitUntil(
        async () => {
          const stats = await Promise.all(['headers', 'bodies'].map((queue) => app.broker.stats(queue)));
          return stats.every((queue) => queue.ready === 0 && queue.inFlight === 0 && queue.delayed === 0);
        },
        20_000,
        { description: 'both queues to be empty' },
      );
      expect(Number(await counters.get(`${prefix}body-runs`))).toBe(1);
      second.child.kill('SIGTERM');
      await within(second.exited, 15_000, 'the second worker to stop');
    } finally {
      counters.disconnect();
      await app.close();
    }
  }, 90_000);
});
