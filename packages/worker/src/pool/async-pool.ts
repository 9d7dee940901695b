import type { RunOutcome } from '../run-with-limits.js';
import { runTask } from './task-runner.js';
import type { PoolHooks, PoolJob, TaskPool } from './task-pool.js';

/**
 * Tasks run on the worker's own event loop: the fastest path for I/O-bound tasks. A hard time limit
 * can only abandon a run here; synchronous code keeps the loop until it returns (use threads).
 */
export class AsyncPool implements TaskPool {
  readonly kind = 'async';

  async start(): Promise<void> {}

  run(job: PoolJob, hooks: PoolHooks): Promise<RunOutcome> {
    return runTask({ task: job.task, args: job.invocation.args, kwargs: job.invocation.kwargs, context: job.context, limits: job.limits, ...hooks });
  }

  async close(): Promise<void> {}
}
