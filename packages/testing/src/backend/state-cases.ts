import { randomUUID } from 'node:crypto';
import { type SerializedError, TaskState } from '@tq/core';
import { expect } from 'vitest';
import type { BackendCaseTable } from './backend-cases.js';

const VALUE_ERROR: SerializedError = { exc_type: 'ValueError', exc_message: ['bad input'], exc_module: 'builtins' };
const TRACEBACK = 'Traceback (most recent call last):\n  File "tasks.py", line 3, in add\nValueError: bad input\n';

/** What is stored, and how states move (ARCHITECTURE §4.1). */
export const stateCases: BackendCaseTable<
  | 'pending-for-unknown'
  | 'state-progression'
  | 'success-never-overwritten'
  | 'failure-stores-error'
  | 'date-done-on-ready'
  | 'extended-fields'
  | 'complete-update'
  | 'stores-copies'
> = {
  'pending-for-unknown': {
    title: "reads an unknown task id as PENDING, in Celery's exact meta shape",
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const meta = await backend.get(taskId);
      expect(meta).toStrictEqual({ task_id: taskId, status: 'PENDING', result: null, traceback: null, children: [], date_done: null });
    },
  },

  'state-progression': {
    title: 'records RECEIVED → STARTED → RETRY → STARTED → SUCCESS, each readable as it is stored',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const steps = [
        { status: TaskState.RECEIVED },
        { status: TaskState.STARTED },
        { status: TaskState.RETRY, result: VALUE_ERROR, traceback: TRACEBACK },
        { status: TaskState.STARTED },
        { status: TaskState.SUCCESS, result: 5 },
      ];
      for (const step of steps) {
        expect(await backend.storeState(taskId, step)).toBe(true);
        const meta = await backend.get(taskId);
        expect(meta.task_id).toBe(taskId);
        expect(meta.status).toBe(step.status);
        expect(meta.result).toEqual(step.result ?? null);
        expect(meta.traceback).toBe(step.traceback ?? null);
      }
    },
  },

  'success-never-overwritten': {
    title: 'never overwrites SUCCESS: later stores return false and change nothing',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      expect(await backend.storeState(taskId, { status: TaskState.SUCCESS, result: { answer: 42 } })).toBe(true);
      const stored = await backend.get(taskId);
      // A redelivered duplicate reports again: none of it may land.
      expect(await backend.storeState(taskId, { status: TaskState.STARTED })).toBe(false);
      expect(await backend.storeState(taskId, { status: TaskState.FAILURE, result: VALUE_ERROR, traceback: TRACEBACK })).toBe(false);
      expect(await backend.storeState(taskId, { status: TaskState.SUCCESS, result: { answer: 0 } })).toBe(false);
      expect(await backend.get(taskId)).toStrictEqual(stored);
    },
  },

  'failure-stores-error': {
    title: 'stores a FAILURE with its serialized error and traceback',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      await backend.storeState(taskId, { status: TaskState.FAILURE, result: VALUE_ERROR, traceback: TRACEBACK });
      const meta = await backend.get(taskId);
      expect(meta).toMatchObject({ status: 'FAILURE', result: VALUE_ERROR, traceback: TRACEBACK });
      expect(meta.date_done).not.toBeNull();
    },
  },

  'date-done-on-ready': {
    title: 'sets date_done (ISO-8601) on SUCCESS, FAILURE and REVOKED, and leaves it null before',
    async run(h) {
      const backend = await h.backend();
      for (const status of [TaskState.RECEIVED, TaskState.STARTED, TaskState.RETRY]) {
        const taskId = h.taskId(backend);
        await backend.storeState(taskId, { status });
        expect((await backend.get(taskId)).date_done, status).toBeNull();
      }
      for (const status of [TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED]) {
        const taskId = h.taskId(backend);
        await backend.storeState(taskId, { status, result: status === TaskState.SUCCESS ? 1 : VALUE_ERROR });
        const doneAt = (await backend.get(taskId)).date_done;
        expect(doneAt, status).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
        // Generous bound: the server's clock, not ours, may stamp it.
        expect(Math.abs(Date.parse(doneAt ?? '') - Date.now()), `${status} date_done is near now`).toBeLessThan(5 * 60_000);
      }
    },
  },

  'extended-fields': {
    title: 'round-trips the extended fields: name, args, kwargs, retries, worker, queue, group and parent ids',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const groupId = randomUUID();
      const parentId = randomUUID();
      await backend.storeState(taskId, {
        status: TaskState.STARTED,
        name: 'tests.add',
        args: [2, 3, { nested: [true, null] }],
        kwargs: { carry: 1, label: 'é' },
        retries: 2,
        worker: 'celery@host-1',
        queue: 'celery',
        groupId,
        parentId,
      });
      expect(await backend.get(taskId)).toMatchObject({
        status: 'STARTED',
        name: 'tests.add',
        args: [2, 3, { nested: [true, null] }],
        kwargs: { carry: 1, label: 'é' },
        retries: 2,
        worker: 'celery@host-1',
        queue: 'celery',
        group_id: groupId,
        parent_id: parentId,
      });
    },
  },

  'complete-update': {
    title: 'takes a complete update as the whole set of extended fields (nothing carried over), and still never overwrites SUCCESS',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      await backend.storeState(taskId, { status: TaskState.STARTED, name: 'tests.first', groupId: randomUUID(), worker: 'w1' });
      await backend.storeState(taskId, { status: TaskState.RETRY, result: VALUE_ERROR, name: 'tests.second', worker: 'w2', retries: 1, complete: true });
      const retried = await backend.get(taskId);
      expect(retried).toMatchObject({ status: 'RETRY', name: 'tests.second', worker: 'w2', retries: 1 });
      expect(retried.group_id ?? undefined).toBeUndefined();
      expect(await backend.storeState(taskId, { status: TaskState.SUCCESS, result: 5, name: 'tests.second', complete: true })).toBe(true);
      expect(await backend.storeState(taskId, { status: TaskState.FAILURE, result: VALUE_ERROR, name: 'tests.second', complete: true })).toBe(false);
      expect(await backend.get(taskId)).toMatchObject({ status: 'SUCCESS', result: 5 });
    },
  },

  'stores-copies': {
    title: 'stores a copy of the result: mutating the stored or the read object changes nothing',
    async run(h) {
      const backend = await h.backend();
      const taskId = h.taskId(backend);
      const result = { items: [1, 2, 3], label: 'original' };
      await backend.storeState(taskId, { status: TaskState.SUCCESS, result });
      result.items.push(4);
      result.label = 'mutated after store';
      const read = await backend.get(taskId);
      expect(read.result).toEqual({ items: [1, 2, 3], label: 'original' });
      (read.result as { label: string }).label = 'mutated after read';
      expect((await backend.get(taskId)).result).toEqual({ items: [1, 2, 3], label: 'original' });
    },
  },
};
