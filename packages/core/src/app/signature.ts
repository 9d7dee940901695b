import type { ApplyOptions } from './task-options.js';
import type { SignatureDict } from '../protocol/task-invocation.js';
import type { AsyncResult } from './async-result.js';
import { toCeleryOptions } from './celery-options.js';

/** Where a signature sends itself: a Task, without the Signature module depending on Task. */
export interface SignatureTarget<Args extends unknown[], Result> {
  readonly name: string;
  applyAsync(args: Args, options?: ApplyOptions): Promise<AsyncResult<Result>>;
}

/**
 * A task call frozen with its arguments and options (Celery's signature / subtask),
 * to send later or to compose in a workflow.
 */
export class Signature<Args extends unknown[] = unknown[], Result = unknown> {
  constructor(
    readonly target: SignatureTarget<Args, Result>,
    readonly args: Args,
    readonly options: ApplyOptions = {},
    /** Immutable signatures ignore the parent's result in a chain (`.si()`). */
    readonly immutable = false,
  ) {}

  get taskName(): string {
    return this.target.name;
  }

  /** A copy with more options merged over these. */
  set(options: ApplyOptions): Signature<Args, Result> {
    return new Signature(this.target, this.args, { ...this.options, ...options }, this.immutable);
  }

  /** Send it now. */
  applyAsync(options: ApplyOptions = {}): Promise<AsyncResult<Result>> {
    return this.target.applyAsync(this.args, { ...this.options, ...options });
  }

  delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }

  /** Celery's dict form, as embedded in messages. */
  toDict(): SignatureDict {
    const { kwargs, ...options } = this.options;
    return {
      task: this.target.name,
      args: [...this.args],
      kwargs: kwargs ?? {},
      options: toCeleryOptions(options),
      subtask_type: null,
      immutable: this.immutable,
    };
  }
}
