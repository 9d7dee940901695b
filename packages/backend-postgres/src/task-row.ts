import { BackendError, EXCEPTION_STATES, type ResultRecord, type StateUpdate, type TaskMeta, type TaskState, decodeKombuJson, encodeKombuJson, isReadyState } from '@tq/core';
import { EXTENDED_COLUMNS } from './statements.js';

/** A task_results row as META_COLUMNS selects it: JSON as text, dates as ISO-8601 UTC text. */
export interface TaskRow {
  task_id: string;
  status: string;
  result: string | null;
  traceback: string | null;
  children: string;
  name: string | null;
  args: string | null;
  kwargs: string | null;
  worker: string | null;
  retries: number | null;
  queue: string | null;
  group_id: string | null;
  parent_id: string | null;
  date_done: string | null;
  stored_at: string;
}

/** JSON for a jsonb parameter, in kombu's encoding (exact bigints, clear errors for what JSON cannot carry); NULL for absent. */
function jsonParameter(value: unknown): string | null {
  return value === undefined || value === null ? null : encodeKombuJson(value);
}

/** The error columns, filled when an exception state carries a Celery serialized error. */
function errorColumns(update: StateUpdate): [string | null, string | null, string | null] {
  const error = update.result;
  if (!EXCEPTION_STATES.has(update.status as TaskState) || typeof error !== 'object' || error === null) return [null, null, null];
  const { exc_type: type, exc_message: message, exc_module: module } = error as Record<string, unknown>;
  if (typeof type !== 'string') return [null, null, null];
  // Celery keeps the exception's args; one string argument is the message people expect to see.
  const text = Array.isArray(message) && message.length === 1 && typeof message[0] === 'string' ? message[0] : typeof message === 'string' ? message : jsonParameter(message);
  return [type, text, typeof module === 'string' ? module : null];
}

/** One row's values, in the order of the store statements' column arrays $1…$17. */
function rowValues(taskId: string, update: StateUpdate): unknown[] {
  return [
    taskId,
    update.status,
    jsonParameter(update.result),
    ...errorColumns(update),
    update.traceback ?? null,
    encodeKombuJson(update.children ?? []),
    update.name ?? null,
    jsonParameter(update.args),
    jsonParameter(update.kwargs),
    update.worker ?? null,
    update.retries ?? null,
    update.queue ?? null,
    update.groupId ?? null,
    update.parentId ?? null,
    isReadyState(update.status),
  ];
}

/**
 * The parameters of the store statements for `writes` (distinct task ids): one array per column,
 * rows sorted by task id so concurrent batches lock rows in one order, then the expiry in ms
 * (null stores the rows without one).
 */
export function storeParameters(writes: readonly { taskId: string; update: StateUpdate }[], expiresInMs: number | null): unknown[] {
  const rows = [...writes].sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0)).map((write) => rowValues(write.taskId, write.update));
  const columns = Array.from({ length: 17 }, (_, column) => rows.map((row) => row[column]));
  return [...columns, expiresInMs];
}

function decodeJson(text: string, taskId: string, column: string): unknown {
  try {
    return decodeKombuJson(text);
  } catch (error) {
    throw new BackendError(`The ${column} of task ${taskId} in PostgreSQL is not JSON tq can read.`, { cause: error });
  }
}

const EXTENDED = EXTENDED_COLUMNS satisfies readonly (keyof TaskRow & keyof TaskMeta)[];
const JSON_EXTENDED = new Set<string>(['args', 'kwargs']);

/** A row as TaskMeta; extended fields appear only when stored, as in Celery's meta. */
export function decodeRow(row: TaskRow): TaskMeta {
  const meta: TaskMeta = {
    task_id: row.task_id,
    status: row.status,
    result: row.result === null ? null : decodeJson(row.result, row.task_id, 'result'),
    traceback: row.traceback,
    children: decodeJson(row.children, row.task_id, 'children') as unknown[],
    date_done: row.date_done,
  };
  for (const field of EXTENDED) {
    const value = row[field];
    if (value === null) continue;
    Object.assign(meta, { [field]: JSON_EXTENDED.has(field) ? decodeJson(value as string, row.task_id, field) : value });
  }
  return meta;
}

export function decodeRecord(row: TaskRow): ResultRecord {
  return { ...decodeRow(row), stored_at: row.stored_at };
}

/** What an unknown (or expired, or forgotten) task id reads as: Celery's PENDING meta, field for field. */
export function pendingMeta(taskId: string): TaskMeta {
  return { task_id: taskId, status: 'PENDING', result: null, traceback: null, children: [], date_done: null };
}
