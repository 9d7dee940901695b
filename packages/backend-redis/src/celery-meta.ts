import { BackendError, type StateUpdate, type TaskMeta, decodeKombuJson, encodeKombuJson, formatPythonIsoDatetime, isReadyState } from '@tq/core';

/**
 * A task's meta exactly as Celery 5.2 writes it (BaseBackend._get_result_meta, then
 * BaseKeyValueStoreBackend._store_result adds task_id last). Properties are created in Celery's
 * order so the stored JSON reads like Celery's, byte for byte in the common case.
 */
type CeleryMeta = Record<string, unknown>;

/** The extended fields, in the order Celery adds them, with the StateUpdate property each comes from. */
const EXTENDED_FIELDS = [
  ['group_id', 'groupId'],
  ['parent_id', 'parentId'],
  ['name', 'name'],
  ['args', 'args'],
  ['kwargs', 'kwargs'],
  ['worker', 'worker'],
  ['retries', 'retries'],
  ['queue', 'queue'],
] as const satisfies readonly (readonly [keyof TaskMeta, keyof StateUpdate])[];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Celery stores date_done as `datetime.utcnow().isoformat()`: UTC without an offset and with
 * microseconds. We write the same so Python reads a naive datetime, as it does for its own results.
 */
export function celeryDateDone(epochMs: number): string {
  return formatPythonIsoDatetime(new Date(epochMs), '+00:00').slice(0, -'+00:00'.length);
}

/**
 * The meta after `update`, as the JSON string to store. Extended fields left out of the update
 * keep their values from `previous` (the backend contract), so a SUCCESS stored without them still
 * says which task it was.
 */
export function encodeNextMeta(taskId: string, previous: TaskMeta | undefined, update: StateUpdate, nowMs: number): string {
  const meta: CeleryMeta = {
    status: update.status,
    result: update.result === undefined ? null : update.result,
    traceback: update.traceback ?? null,
    children: update.children ?? [],
    date_done: isReadyState(update.status) ? celeryDateDone(nowMs) : null,
  };
  for (const [field, updateField] of EXTENDED_FIELDS) {
    const value = update[updateField] ?? previous?.[field];
    // Only fields that were ever given: a plain result keeps Celery's six-field shape.
    if (value !== undefined) meta[field] = value;
  }
  meta.task_id = taskId;
  // kombu's JSON: Python's separators, exact big integers (bigint), and clear errors for what JSON cannot carry.
  return encodeKombuJson(meta);
}

/** Decode stored bytes as UTF-8 JSON, or throw a BackendError naming the key. */
export function decodeStoredJson(bytes: Uint8Array, key: string): unknown {
  try {
    return decodeKombuJson(utf8.decode(bytes));
  } catch (error) {
    throw new BackendError(
      `The value at Redis key "${key}" is not JSON. Results must be stored with Celery's json result serializer (result_serializer = "json").`,
      { cause: error },
    );
  }
}

/**
 * Read a stored meta (tq's or Celery's) as TaskMeta. Celery writes `children: null` when a result
 * is stored outside a task and date_done without an offset; we read those as `[]` and as UTC
 * ("…Z"), so that Date.parse gives the right instant whatever the local time zone.
 */
export function decodeMeta(taskId: string, bytes: Uint8Array, key: string): TaskMeta {
  const stored = decodeStoredJson(bytes, key);
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored) || typeof (stored as { status?: unknown }).status !== 'string') {
    throw new BackendError(`The value at Redis key "${key}" is not a Celery task meta (a JSON object with a "status").`);
  }
  const meta = stored as Partial<TaskMeta> & Record<string, unknown>;
  return {
    ...meta,
    task_id: typeof meta.task_id === 'string' ? meta.task_id : taskId,
    status: meta.status as TaskMeta['status'],
    result: meta.result ?? null,
    traceback: meta.traceback ?? null,
    children: Array.isArray(meta.children) ? meta.children : [],
    date_done: typeof meta.date_done === 'string' ? asUtc(meta.date_done) : null,
  };
}

// An ISO datetime that ends in its seconds or fraction carries no offset.
const NAIVE_DATETIME = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

function asUtc(isoDatetime: string): string {
  return NAIVE_DATETIME.test(isoDatetime) ? `${isoDatetime}Z` : isoDatetime;
}

/** What an unknown task id reads as: Celery's PENDING meta, field for field. */
export function pendingMeta(taskId: string): TaskMeta {
  return { task_id: taskId, status: 'PENDING', result: null, traceback: null, children: [], date_done: null };
}
