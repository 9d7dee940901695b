import type { TaskContext } from './task-context.js';
import type { ApplyOptions, ArgsSchema, TaskOptions } from './task-options.js';
import type { StandardSchemaV1Input, StandardSchemaV1Output } from './standard-schema.js';
import type { AsyncResult } from './async-result.js';
import { Signature } from './signature.js';
import type { CanvasApp } from '../canvas/canvas.js';
import type { SignatureDict } from '../protocol/task-invocation.js';
import type { DropTail, ImmutableArgs, Suffix } from '../canvas/canvas-types.js';
import { TaskMap } from '../canvas/map.js';
import { resolveRetryPolicy, type ResolvedRetryPolicy } from '../retry/retry-policy.js';
import { parseRateLimit } from '../util/rate.js';

/** A task function; `this` is the TaskContext when the function declares it. */
export type TaskFunction = (this: TaskContext, ...args: never[]) => unknown;

export type TaskArgs<F extends TaskFunction> = Parameters<OmitThisParameter<F>>;
export type TaskResult<F extends TaskFunction> = Awaited<ReturnType<F>>;

type MutableList<T> = T extends readonly unknown[] ? [...T] : never;
/** The arguments callers pass (delay, applyAsync, signatures) for a task with this args schema: its input type. */
export type SchemaArgsInput<S extends ArgsSchema> = MutableList<StandardSchemaV1Input<S>>;
/** The arguments the task function receives for this args schema: its output type. */
export type SchemaArgsOutput<S extends ArgsSchema> = MutableList<StandardSchemaV1Output<S>>;

/** What a Task needs from its app to send itself and compose canvases; implemented by App. */
export interface TaskSender extends CanvasApp {
  sendTaskCall<Result>(taskName: string, args: unknown[], taskOptions: TaskOptions, options: ApplyOptions): Promise<AsyncResult<Result>>;
}

/**
 * A registered task. `Args` and `Result` are inferred from the function, so
 * `add.delay('2', 3)` does not compile when add takes numbers.
 */
export class Task<Args extends unknown[] = unknown[], Result = unknown> {
  /** The retry policy with its defaults filled in, resolved once: a bad duration fails at app.task(). */
  readonly retryPolicy: ResolvedRetryPolicy;
  /** `options.rateLimit` in tasks per second, checked at app.task(); null when unlimited. */
  readonly rateLimitPerSecond: number | null;

  constructor(
    readonly name: string,
    readonly fn: TaskFunction,
    readonly options: TaskOptions,
    private readonly sender: TaskSender,
  ) {
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.rateLimitPerSecond = options.rateLimit === undefined ? null : parseRateLimit(options.rateLimit, `task "${name}"`);
  }

  /** Send with positional arguments and the task's default options. */
  delay(...args: Args): Promise<AsyncResult<Result>> {
    return this.applyAsync(args);
  }

  /** Send with per-call options (countdown, eta, expires, priority, queue, …). */
  applyAsync(args: Args, options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
    return this.sender.sendTaskCall<Result>(this.name, args, this.options, options);
  }

  /** The app this task belongs to. */
  get app(): CanvasApp {
    return this.sender;
  }

  /**
   * A signature: this call with its arguments, to send later or compose. Give fewer arguments for
   * a partial one: the missing leading ones come from the previous step (`add.s(10)` in a chain
   * runs add(previous, 10)).
   */
  s<Given extends Suffix<Args>>(...args: Given): Signature<Args, Result, DropTail<Args, Given>> {
    return new Signature<Args, Result, DropTail<Args, Given>>(this, args as unknown as Args);
  }

  /** An immutable signature: in a chain it ignores the previous step's result. */
  si(...args: Args): Signature<Args, Result, ImmutableArgs> {
    return new Signature<Args, Result, ImmutableArgs>(this, args, {}, true);
  }

  /** This task as a signature dict without arguments (what map/starmap/chunks carry). */
  private bare(): SignatureDict {
    return new Signature<Args, Result>(this, [] as unknown as Args).toDict();
  }

  /** One task call that runs this task on each item in turn (Celery's `task.map`, the `celery.map` built-in). */
  map(items: readonly Args[0][]): TaskMap<Result[]> {
    return new TaskMap<Result[]>(this.sender, 'celery.map', { task: this.bare(), it: [...items] });
  }

  /** Like map, with each item spread as the arguments (Celery's `task.starmap`). */
  starmap(items: readonly Args[]): TaskMap<Result[]> {
    return new TaskMap<Result[]>(this.sender, 'celery.starmap', { task: this.bare(), it: items.map((item) => [...item]) });
  }

  /** Split `items` into chunks of `size`, each one starmap call, run as a group (Celery's `task.chunks`). */
  chunks(items: readonly Args[], size: number): TaskMap<Result[][]> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunks size must be a positive integer, got ${size}.`);
    return new TaskMap<Result[][]>(this.sender, 'celery.chunks', { task: this.bare(), it: items.map((item) => [...item]), n: size });
  }

  /** Run the function here and now with the given context (eager mode, tests). */
  run(context: TaskContext, ...args: Args): Promise<Result> {
    return Promise.resolve((this.fn as (this: TaskContext, ...a: unknown[]) => unknown).apply(context, args)) as Promise<Result>;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every signature
export type AnyTask = Task<any, any>;
