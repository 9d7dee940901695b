import type { RetryOptions } from '../errors/signals.js';
import type { AnyCanvas } from '../canvas/canvas-types.js';

/** Bound to `this` inside a task function: `app.task('x', async function (this: TaskContext, n: number) {...})`. */
export interface TaskContext {
  /** This call's task id. */
  readonly id: string;
  readonly name: string;
  /** How many times this call was retried before (0 on the first run). */
  readonly retries: number;
  /** Retries the policy allows in all. */
  readonly maxRetries: number;
  readonly rootId: string;
  readonly parentId: string | null;
  readonly groupId: string | null;
  /** The queue it was delivered from. */
  readonly queue: string;
  /** True when the broker delivered this message before (possible duplicate run). */
  readonly redelivered: boolean;
  /** Fires on the soft time limit (reason: SoftTimeLimitExceededError) and on cold shutdown. */
  readonly signal: AbortSignal;
  /** Throws Retry: the worker re-sends the call later (state RETRY). Never returns. */
  retry(options?: RetryOptions): never;
  /**
   * Throws Replace: the worker sends `canvas` instead of finishing this task. The canvas's final task
   * takes this task's id (so callers waiting on it get the canvas's result), its chord membership,
   * callbacks, errbacks and the rest of its chain. Never returns.
   */
  replace(canvas: AnyCanvas): never;
  /** Store a custom state with meta, e.g. progress: updateState('PROGRESS', { done: 3, total: 10 }). */
  updateState(state: string, meta?: unknown): Promise<void>;
}
