import type { Logger } from 'pino';
import { TimeLimitExceededError } from '@tq/core';
import type { RunOutcome } from '../run-with-limits.js';
import { runTask } from './task-runner.js';
import type { PoolHooks, PoolJob, TaskPool } from './task-pool.js';

/**
 * Tasks run on the worker's own event loop: the fastest path for I/O-bound tasks. A hard time limit
 * can only abandon a run here; synchronous code keeps the loop until it returns (use threads).
 */
export class AsyncPool implements TaskPool {
  readonly kind = 'async';
  // A task given to the async pool starts at once.
  readonly lookahead = 0;

  async start(): Promise<void> {}

  constructor(private readonly logger: Logger) {}

  run(job: PoolJob, hooks: PoolHooks): Promise<RunOutcome> {
    const run = runTask({ task: job.task, args: job.invocation.args, kwargs: job.invocation.kwargs, context: job.context, limits: job.limits, ...hooks });
    return job.limits.hard === null ? run : run.then((outcome) => this.warnIfAbandoned(job, outcome));
  }

  private warnIfAbandoned(job: PoolJob, outcome: RunOutcome): RunOutcome {
    if (!outcome.ok && TimeLimitExceededError.isInstance(outcome.error)) {
      this.logger.warn(
        { task: job.task.name, id: job.context.id },
        'hard time limit reached in the async pool: the task is recorded as failed, but synchronous code in it keeps running until it returns; use --pool threads (or processes) to stop it',
      );
    }
    return outcome;
  }

  async close(): Promise<void> {}
}
