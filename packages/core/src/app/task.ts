import type { TaskContext } from './task-context.js';
import type { ApplyOptions, TaskOptions } from './task-options.js';
import type { AsyncResult } from './async-result.js';
import { Signature } from './signature.js';
import { resolveRetryPolicy, type ResolvedRetryPolicy } from '../retry/retry-policy.js';

/** A task function; `this` is the TaskContext when the function declares it. */
export type TaskFunction = (this: TaskContext, ...args: never[]) => unknown;

export type TaskArgs<F extends TaskFunction> = Parameters<OmitThisParameter<F>>;
export type TaskResult<F extends TaskFunction> = Awaited<ReturnType<F>>;

/** What a Task needs from its app to send itself; implemented by App. */
export interface TaskSender {
  sendTaskCall<Result>(taskName: string, args: unknown[], taskOptions: TaskOptions, options: ApplyOptions): Promise<AsyncResult<Result>>;
}

/**
 * A registered task. `Args` and `Result` are inferred from the function, so
 * `add.delay('2', 3)` does not compile when add takes numbers.
 */
export class Task<Args extends unknown[] = unknown[], Result = unknown> {
  /** The retry policy with its defaults filled in, resolved once: a bad duration fails at app.task(). */
  readonly retryPolicy: ResolvedRetryPolicy;

  constructor(
    readonly name: string,
    readonly fn: TaskFunction,
    readonly options: TaskOptions,
    private readonly sender: TaskSender,
  ) {
    this.retryPolicy = resolveRetryPolicy(options.retry);
  }

  /** Send with positional arguments and the task's default options. */
  delay(...args: Args): Promise<AsyncResult<Result>> {
    return this.applyAsync(args);
  }

  /** Send with per-call options (countdown, eta, expires, priority, queue, …). */
  applyAsync(args: Args, options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
    return this.sender.sendTaskCall<Result>(this.name, args, this.options, options);
  }

  /** A signature: this call with its arguments, to send later or compose. */
  s(...args: Args): Signature<Args, Result> {
    return new Signature<Args, Result>(this, args);
  }

  /** An immutable signature: in a chain it ignores the previous step's result. */
  si(...args: Args): Signature<Args, Result> {
    return new Signature<Args, Result>(this, args, {}, true);
  }

  /** Run the function here and now with the given context (eager mode, tests). */
  run(context: TaskContext, ...args: Args): Promise<Result> {
    return Promise.resolve((this.fn as (this: TaskContext, ...a: unknown[]) => unknown).apply(context, args)) as Promise<Result>;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every signature
export type AnyTask = Task<any, any>;
