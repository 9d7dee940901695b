import { formatPythonIsoDatetime } from '../protocol/iso-datetime.js';
import type { StateUpdate, TaskMeta } from '../contracts/backend.js';
import { TaskState, isReadyState } from '../contracts/states.js';
import { copyValue } from './copy-value.js';

/** What an unknown task id reads as: Celery's PENDING meta, field for field. */
export function pendingMeta(taskId: string): TaskMeta {
  return { task_id: taskId, status: TaskState.PENDING, result: null, traceback: null, children: [], date_done: null };
}

/**
 * The meta after `update`. Extended fields (name, args, …) carry over from the previous state when
 * the update leaves them out, so a SUCCESS stored without them still says which task it was.
 */
export function nextMeta(taskId: string, previous: TaskMeta | undefined, update: StateUpdate, now: number): TaskMeta {
  const meta: TaskMeta = {
    task_id: taskId,
    status: update.status,
    result: update.result === undefined ? null : copyValue(update.result, 'the task result'),
    traceback: update.traceback ?? null,
    children: update.children === undefined ? [] : copyValue(update.children, 'the task children'),
    // Naive UTC with microseconds, exactly as Celery writes date_done (Python reads .654Z as .000654).
    date_done: isReadyState(update.status) ? formatPythonIsoDatetime(new Date(now), '') : null,
  };
  // A complete update says every extended field itself; nothing carries over.
  if (update.complete === true) previous = undefined;
  const extended: Partial<TaskMeta> = {
    name: update.name ?? previous?.name,
    args: update.args === undefined ? previous?.args : copyValue(update.args, 'the task args'),
    kwargs: update.kwargs === undefined ? previous?.kwargs : copyValue(update.kwargs, 'the task kwargs'),
    worker: update.worker ?? previous?.worker,
    retries: update.retries ?? previous?.retries,
    queue: update.queue ?? previous?.queue,
    group_id: update.groupId ?? previous?.group_id,
    parent_id: update.parentId ?? previous?.parent_id,
  };
  for (const [key, value] of Object.entries(extended)) {
    // Only fields that were ever given: a plain result keeps Celery's six-field shape.
    if (value !== undefined) Object.assign(meta, { [key]: value });
  }
  return meta;
}
