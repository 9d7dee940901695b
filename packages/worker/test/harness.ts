import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { createApp, type App, type AppOptions } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { Worker } from '../src/worker.js';
import type { WorkerOptions } from '../src/worker-options.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh app on its own memory namespace, closed after the test. */
export function testApp(options: AppOptions = {}): App {
  const namespace = `worker-test-${randomUUID()}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }), ...options });
  cleanups.push(() => app.close());
  return app;
}

/** A silent worker for the app, stopped (cold) after the test. */
export function testWorker(app: App, options: WorkerOptions = {}): Worker {
  const worker = new Worker(app, { logLevel: 'silent', shutdownTimeout: 2_000, ...options });
  cleanups.push(() => worker.stop({ cold: true, timeoutMs: 0 }));
  return worker;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until `predicate` holds; fails the test after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}
