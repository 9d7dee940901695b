/**
 * Key names. Results and groups use Celery's own names (celery/backends/base.py,
 * BaseKeyValueStoreBackend), so Python Celery and tq read each other's. Celery publishes each
 * result on a channel named like its key, so the key name is the channel name too.
 */
export interface CeleryKeys {
  /** `celery-task-meta-<id>`: a string holding the task's JSON meta; also the channel it is published on. */
  task(taskId: string): string;
  /** `celery-taskset-meta-<id>`: a string holding a saved GroupResult. */
  group(groupId: string): string;
  /**
   * tq's chord counter for a group: a set of the member ids counted so far, and a hash with the
   * group's size and the member that completed it. Not Celery's `.j`/`.t`/`.s` keys (a list and
   * counters, not deduplicated), so a Celery chord on the same group id cannot collide with it.
   */
  chordMembers(groupId: string): string;
  chordState(groupId: string): string;
  /** tq's durable revokes: a sorted set of task ids scored by when the revoke expires (epoch ms). */
  readonly revoked: string;
}

export function celeryKeys(prefix: string): CeleryKeys {
  return {
    task: (taskId) => `${prefix}celery-task-meta-${taskId}`,
    group: (groupId) => `${prefix}celery-taskset-meta-${groupId}`,
    chordMembers: (groupId) => `${prefix}tq-chord-${groupId}.members`,
    chordState: (groupId) => `${prefix}tq-chord-${groupId}.state`,
    revoked: `${prefix}tq-revoked-tasks`,
  };
}
