import { ConfigurationError, TimeLimitExceededError, TqError } from '@tq/core';

/**
 * The pool member running the task died (process.exit, a crash, out of memory): Celery's
 * WorkerLostError. The task fails with it, or is requeued under rejectOnWorkerLost with acksLate.
 */
export class WorkerLostError extends TqError {
  readonly excModule = 'billiard.exceptions';
  constructor(detail: string) {
    super('TQ_WORKER_LOST', `The pool member running the task exited prematurely (${detail}). Replaced it; set rejectOnWorkerLost with acksLate to requeue such tasks instead.`);
  }
}

/**
 * The hard time limit killed the pool member running the task. It is the async pool's
 * TimeLimitExceededError (same class, name and code, so isInstance and handlers match), reported
 * to the backend as Celery's exception type, billiard's TimeLimitExceeded.
 */
export function memberTimeLimitError(seconds: number): TimeLimitExceededError {
  return Object.assign(new TimeLimitExceededError(seconds), { excType: 'TimeLimitExceeded', excModule: 'billiard.exceptions' });
}

/** A threads or processes pool needs the app's module, so each member can import it and find tasks by name. */
export class AppModuleRequiredError extends ConfigurationError {
  constructor(pool: string) {
    super(`pool "${pool}" loads the app in each member: pass appModule (the module path that exports the app, as for tq worker --app, e.g. "./src/tasks.ts" or "./src/tasks.ts:app").`);
  }
}

/** A pool member failed to start (the app module did not load). */
export class PoolMemberStartError extends TqError {
  constructor(detail: string, cause?: unknown) {
    super('TQ_POOL_MEMBER_START', `A pool member could not start: ${detail}. Check that the app module loads on its own (node -e "import('<module>')").`, { cause });
  }
}

/** A task the pool held for a free member ended without starting: revoked meanwhile, or handed back at shutdown. */
export class NotStartedError extends Error {
  override name = 'NotStartedError';
  constructor(readonly reason: 'revoked' | 'returned') {
    super(reason === 'revoked' ? 'revoked while it waited for a pool member' : 'handed back unstarted: the worker is stopping');
  }
}
