import { randomUUID } from 'node:crypto';
import { TaskState } from '@tq/core';
import { expect } from 'vitest';
import { expectTqError } from '../expect-tq-error.js';
import { waitUntil } from '../wait-until.js';
import type { BackendCaseTable } from './backend-cases.js';

const SHORT_EXPIRY_MS = 500;

/** How long things are kept: expiry, forget, groups, close (ARCHITECTURE §4.3, §4.5). */
export const lifecycleCases: BackendCaseTable<'expiry' | 'forget' | 'groups' | 'closed'> = {
  expiry: {
    title: `expires results after resultExpiresMs (${SHORT_EXPIRY_MS} ms here): they read as PENDING again`,
    async run(h) {
      const backend = await h.backend({ resultExpiresMs: SHORT_EXPIRY_MS });
      const taskId = h.taskId(backend);
      await backend.storeState(taskId, { status: TaskState.SUCCESS, result: 'short-lived' });
      expect((await backend.get(taskId)).status, 'read right after the store').toBe('SUCCESS');
      await waitUntil(async () => (await backend.get(taskId)).status === 'PENDING', SHORT_EXPIRY_MS + h.timings.expiryToleranceMs, {
        intervalMs: 25,
        description: `the result to expire (resultExpiresMs ${SHORT_EXPIRY_MS}; did createBackend apply overrides.resultExpiresMs?)`,
      });
      expect(await backend.get(taskId)).toStrictEqual({ task_id: taskId, status: 'PENDING', result: null, traceback: null, children: [], date_done: null });
    },
  },

  forget: {
    title: 'forgets a result on request: it reads as PENDING, and forgetting an unknown id is harmless',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      await backend.storeState(taskId, { status: TaskState.SUCCESS, result: 1 });
      await backend.forget(taskId);
      expect((await backend.get(taskId)).status).toBe('PENDING');
      await backend.forget(h.taskId(backend));
      // Forgotten means gone: a new state may be stored, SUCCESS guard included.
      expect(await backend.storeState(taskId, { status: TaskState.STARTED })).toBe(true);
    },
  },

  groups: {
    title: 'saves, restores and forgets group membership by group id',
    async run(h, skip) {
      const backend = await h.backend();
      if (!backend.capabilities.groups) return skip('capabilities.groups is false');
      const groupId = randomUUID();
      const members = [randomUUID(), randomUUID(), randomUUID()];
      expect(await backend.restoreGroup(groupId)).toBeUndefined();
      await backend.saveGroup(groupId, members);
      // Another instance (another process) restores it, in order.
      const other = await h.backend();
      expect(await other.restoreGroup(groupId)).toEqual(members);
      await backend.forgetGroup(groupId);
      expect(await other.restoreGroup(groupId)).toBeUndefined();
    },
  },

  closed: {
    title: 'rejects use after close with ClosedError (and a second close is harmless)',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      await backend.close();
      await backend.close();
      await expectTqError(() => backend.get(taskId), 'TQ_CLOSED');
      await expectTqError(() => backend.storeState(taskId, { status: TaskState.STARTED }), 'TQ_CLOSED');
      await expectTqError(() => backend.waitFor(taskId, { timeoutMs: 50 }), 'TQ_CLOSED');
    },
  },
};
