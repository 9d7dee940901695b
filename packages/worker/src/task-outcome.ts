import {
  Ignore,
  InvalidArgumentsError,
  Replace,
  Reject,
  Retry,
  TaskState,
  retryDelay,
  serializeError,
  shouldAutoretry,
  toMilliseconds,
  type AnyTask,
  type AnyCanvas,
  type App,
  type TaskInvocation,
} from '@tq/core';

export type Decision =
  | { kind: 'succeed'; value: unknown }
  | { kind: 'retry'; error: unknown; delayMs: number; eta: number }
  | { kind: 'fail'; error: unknown }
  | { kind: 'reject'; error: Reject }
  | { kind: 'ignore' }
  | { kind: 'replace'; canvas: AnyCanvas };

function isSignal<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T, name: string): error is T {
  return error instanceof type || (error instanceof Error && error.name === name);
}

/**
 * What to do with a finished run: Celery's rules. A Retry signal retries while retries < max;
 * other errors retry only under the task's retry policy (autoretryFor); past max the original
 * error fails the task (Celery re-raises it rather than MaxRetriesExceededError for autoretry).
 */
export function decide(app: App, task: AnyTask, invocation: TaskInvocation, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): Decision {
  if (outcome.ok) return { kind: 'succeed', value: outcome.value };
  const { error } = outcome;
  if (isSignal(error, Ignore, 'Ignore')) return { kind: 'ignore' };
  if (isSignal(error, Replace, 'Replace')) return { kind: 'replace', canvas: error.canvas };
  if (isSignal(error, Reject, 'Reject')) return { kind: 'reject', error };
  // The same arguments fail the same way every time: never retried, whatever the policy says.
  if (InvalidArgumentsError.isInstance(error)) return { kind: 'fail', error };

  const policy = task.retryPolicy;
  const explicit = isSignal(error, Retry, 'Retry') ? error : undefined;
  const wantsRetry = explicit !== undefined || (task.options.retry !== undefined && shouldAutoretry(policy, error));
  const max = explicit?.max ?? policy.max;
  const cause = explicit?.cause ?? error;
  if (!wantsRetry || invocation.retries >= max) return { kind: 'fail', error: explicit === undefined ? error : cause };

  const now = app.clock.now();
  let eta: number;
  if (explicit?.eta !== undefined) eta = explicit.eta.getTime();
  else if (explicit?.countdown !== undefined) eta = now + toMilliseconds(explicit.countdown, 'retry countdown');
  else eta = now + retryDelay(policy, invocation.retries);
  return { kind: 'retry', error: cause, delayMs: Math.max(0, eta - now), eta };
}

/** The next attempt of a call: same id and workflow, one more retry, due at `eta`. */
export function retryInvocation(invocation: TaskInvocation, eta: number): TaskInvocation {
  return { ...invocation, retries: invocation.retries + 1, eta };
}

export function failureUpdate(error: unknown): { status: TaskState; result: unknown; traceback: string | null } {
  const failure = serializeError(error);
  return { status: TaskState.FAILURE, result: failure.error, traceback: failure.traceback };
}
