/** Celery's task states; the names are the wire values. */
export const TaskState = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  RETRY: 'RETRY',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  REVOKED: 'REVOKED',
} as const;

export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const READY_STATES: ReadonlySet<TaskState> = new Set([TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED]);
export const EXCEPTION_STATES: ReadonlySet<TaskState> = new Set([TaskState.FAILURE, TaskState.RETRY, TaskState.REVOKED]);

export function isReadyState(state: TaskStatus): boolean {
  return READY_STATES.has(state as TaskState);
}

/** A stored status: one of Celery's states, or a custom one a task set (e.g. "PROGRESS" via updateState). */
export type TaskStatus = TaskState | (string & {});
