import { BackendError, encodeKombuJson } from '@tq/core';
import { decodeStoredJson } from './celery-meta.js';

/**
 * A saved group in Celery 5.2's format: BaseKeyValueStoreBackend._save_group stores
 * `{"result": group_result.as_tuple()}`, and GroupResult.as_tuple() is
 * `((group_id, parent_tuple), [member.as_tuple() for member in results])` with each member an
 * AsyncResult tuple `((task_id, parent_tuple), None)`. So for members a and b:
 *
 *   {"result": [["<group id>", null], [[["a", null], null], [["b", null], null]]]}
 *
 * Python's GroupResult.restore(group_id) reads this back through result_from_tuple.
 */
export function encodeSavedGroup(groupId: string, taskIds: readonly string[]): string {
  return encodeKombuJson({ result: [[groupId, null], taskIds.map((taskId) => [[taskId, null], null])] });
}

/** The member task ids of a saved group, in order; a nested group member counts by its own id. */
export function decodeSavedGroup(bytes: Uint8Array, key: string): string[] {
  const saved = decodeStoredJson(bytes, key);
  const members = savedMembers(saved);
  if (members === undefined) {
    throw new BackendError(`The value at Redis key "${key}" is not a saved Celery group ({"result": [[group_id, parent], [members…]]}).`);
  }
  const taskIds: string[] = [];
  for (const member of members) {
    const taskId = resultTupleId(member);
    if (taskId === undefined) throw new BackendError(`A member of the saved group at Redis key "${key}" is not a Celery result tuple: ${JSON.stringify(member)}.`);
    taskIds.push(taskId);
  }
  return taskIds;
}

function savedMembers(saved: unknown): unknown[] | undefined {
  if (typeof saved !== 'object' || saved === null || !('result' in saved)) return undefined;
  const tuple = saved.result;
  if (!Array.isArray(tuple) || tuple.length !== 2) return undefined;
  const members: unknown = tuple[1];
  return Array.isArray(members) ? members : undefined;
}

/** The id of a result tuple `[[id, parent], nodes]`; result_from_tuple also accepts `[id, nodes]`. */
function resultTupleId(tuple: unknown): string | undefined {
  if (!Array.isArray(tuple) || tuple.length !== 2) return undefined;
  const head: unknown = tuple[0];
  if (typeof head === 'string') return head;
  if (Array.isArray(head) && typeof head[0] === 'string') return head[0];
  return undefined;
}
