import { type TaskMeta, TaskState } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import { sleep } from '../wait-until.js';
import type { BackendCaseTable } from './backend-cases.js';
import { countGetCalls } from './backend-harness.js';

// Well under any polling interval worth having (Celery polls every 500 ms), well over scheduling noise.
const PUSH_LATENCY_MS = 200;
// Long enough that a poller through get() would call it several times.
const IDLE_WAIT_MS = 300;
const TIMEOUT_MS = 150;

interface TrackedWait {
  readonly promise: Promise<TaskMeta>;
  readonly settled: () => boolean;
  readonly resolvedAt: () => number | undefined;
}

function track(promise: Promise<TaskMeta>): TrackedWait {
  let settled = false;
  let resolvedAt: number | undefined;
  const tracked = promise.then(
    (meta) => {
      settled = true;
      resolvedAt = Date.now();
      return meta;
    },
    (error: unknown) => {
      settled = true;
      throw error;
    },
  );
  return { promise: tracked, settled: () => settled, resolvedAt: () => resolvedAt };
}

/** waitFor: woken by the store, bounded by timeouts and signals (ARCHITECTURE §4.2). */
export const waitCases: BackendCaseTable<'wait-for-later-store' | 'wait-for-already-ready' | 'wait-for-timeout' | 'wait-for-abort' | 'wait-for-push'> = {
  'wait-for-later-store': {
    title: 'resolves waitFor once another instance stores a ready state, not on a non-ready one',
    async run(h) {
      const waiter = await h.backend();
      const writer = await h.backend();
      const taskId = h.taskId(writer);
      const wait = track(waiter.waitFor(taskId, { timeoutMs: h.timings.settleTimeoutMs }));
      await writer.storeState(taskId, { status: TaskState.STARTED });
      await sleep(50);
      expect(wait.settled(), 'waitFor resolved on STARTED').toBe(false);
      await writer.storeState(taskId, { status: TaskState.SUCCESS, result: [42] });
      expect(await wait.promise).toMatchObject({ task_id: taskId, status: 'SUCCESS', result: [42] });
    },
  },

  'wait-for-already-ready': {
    title: 'resolves waitFor at once when the task is ready already',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      await backend.storeState(taskId, { status: TaskState.REVOKED, result: { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' } });
      const started = Date.now();
      const meta = await backend.waitFor(taskId, { timeoutMs: h.timings.settleTimeoutMs });
      expect(meta.status).toBe('REVOKED');
      expect(Date.now() - started).toBeLessThan(PUSH_LATENCY_MS);
    },
  },

  'wait-for-timeout': {
    title: `rejects waitFor with TimeoutError after timeoutMs (${TIMEOUT_MS} ms) when nothing is stored`,
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const started = Date.now();
      await expectTqError(() => backend.waitFor(taskId, { timeoutMs: TIMEOUT_MS }), 'TQ_TIMEOUT');
      const elapsed = Date.now() - started;
      // Timers may fire a millisecond early by the wall clock.
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + h.timings.settleTimeoutMs);
    },
  },

  'wait-for-abort': {
    title: 'rejects waitFor when its AbortSignal aborts, and at once when it is aborted already',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const reason = new Error('conformance: stop waiting');
      const isAbort = (error: unknown): boolean =>
        error === reason || (error instanceof Error && (error.name === 'AbortError' || error.cause === reason));

      const controller = new AbortController();
      const wait = track(backend.waitFor(taskId, { signal: controller.signal }));
      await sleep(20);
      expect(wait.settled()).toBe(false);
      controller.abort(reason);
      const error = await wait.promise.then(() => undefined, (caught: unknown) => caught);
      expect(isAbort(error), `rejected with the abort, got ${String(error)}`).toBe(true);

      const aborted = AbortSignal.abort(reason);
      const early = await backend.waitFor(taskId, { signal: aborted }).then(() => undefined, (caught: unknown) => caught);
      expect(isAbort(early), `rejected with the abort, got ${String(early)}`).toBe(true);
    },
  },

  'wait-for-push': {
    title: `wakes waitFor by push when capabilities.push: within ${PUSH_LATENCY_MS} ms of the store, without polling get`,
    async run(h, skip) {
      const waiter = await h.backend();
      if (!waiter.capabilities.push) return skip('capabilities.push is false');
      const writer = await h.backend();
      const reads = countGetCalls(waiter);

      // Vary the idle time so a poller cannot line up with the store by luck.
      for (const idleMs of [IDLE_WAIT_MS, 35, 80, 10]) {
        const taskId = h.taskId(writer);
        const readsBefore = reads?.count ?? 0;
        const wait = track(waiter.waitFor(taskId, { timeoutMs: h.timings.settleTimeoutMs }));
        await sleep(idleMs);
        expect(wait.settled()).toBe(false);
        const storedAt = Date.now();
        await writer.storeState(taskId, { status: TaskState.SUCCESS, result: idleMs });
        expect((await wait.promise).result).toBe(idleMs);
        const latency = (wait.resolvedAt() ?? Number.POSITIVE_INFINITY) - storedAt;
        expect(latency, `waitFor resolved ${latency} ms after the store (idle ${idleMs} ms)`).toBeLessThan(PUSH_LATENCY_MS);
        // One read to check for a result that is ready already is fine; a poll loop is not.
        if (reads !== undefined) expect(reads.count - readsBefore, `get() calls while waiting ${idleMs} ms`).toBeLessThanOrEqual(1);
      }
    },
  },
};
