import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp, type ResultBackend } from '@tq/core';
import { createMemoryBackend, createMemoryBroker } from '@tq/core/memory';
import { sleep, testWorker, waitFor } from './harness.js';

/** A memory backend whose STARTED writes wait for `release()`, declaring orderedWrites as told. */
function backendHoldingStarted(orderedWrites: boolean): { backend: ResultBackend; release: () => void } {
  const inner = createMemoryBackend({ namespace: `started-order-${randomUUID()}` });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const backend = new Proxy(inner, {
    get(target, property) {
      if (property === 'capabilities') return { ...target.capabilities, orderedWrites };
      if (property === 'storeState') {
        return async (...args: Parameters<ResultBackend['storeState']>) => {
          if (args[1].status === 'STARTED') await held;
          return target.storeState(...args);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { backend, release };
}

/** An app on a held-STARTED backend with one task that records whether it ran; the worker is started. */
async function startedOrderApp(orderedWrites: boolean) {
  const { backend, release } = backendHoldingStarted(orderedWrites);
  const app = createApp({ broker: createMemoryBroker({ namespace: `started-order-${randomUUID()}` }), backend });
  const state = { ran: false };
  const task = app.task('tasks.mark', () => {
    state.ran = true;
    return 'ran';
  });
  await testWorker(app).start();
  return { app, task, state, release };
}

describe('worker: when a task starts relative to its STARTED write', () => {
  it('waits for STARTED to be stored first when the backend does not promise ordered writes', async () => {
    const { app, task, state, release } = await startedOrderApp(false);
    const result = await task.delay();
    await sleep(100);
    expect(state.ran, 'the task waited for STARTED').toBe(false);
    release();
    expect(await result.get({ timeout: 2_000 })).toBe('ran');
    await app.close();
  });

  it('starts the task at once when the backend applies writes in call order', async () => {
    const { app, task, state, release } = await startedOrderApp(true);
    const result = await task.delay();
    await waitFor(() => state.ran);
    release();
    expect(await result.get({ timeout: 2_000 })).toBe('ran');
    await app.close();
  });
});
