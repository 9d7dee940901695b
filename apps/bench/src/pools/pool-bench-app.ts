import { createHash } from 'node:crypto';
import { createApp, type App } from '@tq/core';

/** About `ms` of CPU: repeated SHA-256 of a 1 KiB buffer until the time is spent. */
function hashFor(ms: number): string {
  const end = performance.now() + ms;
  let digest = Buffer.alloc(1024, 7);
  while (performance.now() < end) for (let i = 0; i < 50; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex').slice(0, 8);
}

/** The bench's tasks, on the bench's app and on this module's own app, which pool members load. */
export function definePoolBenchTasks(app: App) {
  return {
    noop: app.task('bench.pool.noop', () => null),
    cpu: app.task('bench.pool.cpu', (ms: number) => hashFor(ms)),
    io: app.task('bench.pool.io', (ms: number) => new Promise((resolve) => setTimeout(() => resolve(null), ms))),
  };
}

export const app = createApp();
definePoolBenchTasks(app);
