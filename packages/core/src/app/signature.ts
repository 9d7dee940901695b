import type { ApplyOptions } from './task-options.js';
import type { SignatureDict } from '../protocol/task-invocation.js';
import type { AsyncResult } from './async-result.js';
import { toCeleryOptions } from './celery-options.js';
import { Canvas, type CanvasApp } from '../canvas/canvas.js';
import type { InputOf, StepAfter } from '../canvas/canvas-types.js';
import { ConfigurationError } from '../errors/errors.js';

/** Where a signature sends itself: a Task, without the Signature module depending on Task. */
export interface SignatureTarget<Args extends unknown[], Result> {
  readonly name: string;
  applyAsync(args: Args, options?: ApplyOptions): Promise<AsyncResult<Result>>;
  /** The app, for composing signatures into chains, groups and chords. */
  readonly app?: CanvasApp;
}

/** Callbacks attached with link() / linkError(), in Celery's dict form. */
export interface SignatureLinks {
  link: readonly SignatureDict[];
  linkError: readonly SignatureDict[];
}

const NO_LINKS: SignatureLinks = { link: [], linkError: [] };

/**
 * A task call frozen with its arguments and options (Celery's signature / subtask), to send later
 * or to compose in a workflow. `Missing` are the leading arguments it still needs: a chain passes
 * the previous step's result as the first of them (`add.s(10)` → add(previous, 10)).
 */
export class Signature<Args extends unknown[] = unknown[], Result = unknown, Missing extends unknown[] = []> extends Canvas<Result, InputOf<Missing>> {
  constructor(
    readonly target: SignatureTarget<Args, Result>,
    /** The arguments given; with `Missing` non-empty, the last parameters only. */
    readonly args: Args,
    readonly options: ApplyOptions = {},
    /** Immutable signatures ignore the parent's result in a chain (`.si()`). */
    readonly immutable = false,
    readonly links: SignatureLinks = NO_LINKS,
  ) {
    super();
  }

  get taskName(): string {
    return this.target.name;
  }

  get app(): CanvasApp {
    const app = this.target.app;
    if (app === undefined) throw new ConfigurationError(`Signature "${this.target.name}" has no app to compose with; build it with task.s() from an app's task.`);
    return app;
  }

  /** A copy with more options merged over these. */
  set(options: ApplyOptions): Signature<Args, Result, Missing> {
    return new Signature(this.target, this.args, { ...this.options, ...options }, this.immutable, this.links);
  }

  /** A copy that runs `callback` with this task's result when it succeeds (Celery's link). */
  link(callback: StepAfter<Result, unknown>): Signature<Args, Result, Missing> {
    return new Signature(this.target, this.args, this.options, this.immutable, { ...this.links, link: [...this.links.link, callback.toDict()] });
  }

  /**
   * A copy that runs `errback` when this task fails for good (not on retries): it receives the failed
   * task's id first — Celery's older errback convention, which it still sends as a task (Celery calls
   * the `(request, exc, traceback)` form "new-style"; tq never calls that form, see decision 0009) —
   * and reads the error with `app.asyncResult(id).error()`.
   */
  linkError(errback: StepAfter<string, unknown>): Signature<Args, Result, Missing> {
    return new Signature(this.target, this.args, this.options, this.immutable, { ...this.links, linkError: [...this.links.linkError, errback.toDict()] });
  }

  /** Send it now (with `args` prepended when it is partial: Celery's partial application). */
  override applyAsync(options: ApplyOptions = {}, args: Missing | [] = []): Promise<AsyncResult<Result>> {
    const { link, linkError } = this.links;
    const embed = link.length > 0 || linkError.length > 0 ? { callbacks: link.length > 0 ? [...link] : null, errbacks: linkError.length > 0 ? [...linkError] : null } : undefined;
    const callArgs = (this.immutable ? this.args : [...args, ...this.args]) as Args;
    return this.target.applyAsync(callArgs, { ...this.options, ...options, ...(embed !== undefined && { embed: { ...embed, ...options.embed } }) });
  }

  override delay(): Promise<AsyncResult<Result>> {
    return this.applyAsync();
  }

  /** Celery's dict form, as embedded in messages. */
  toDict(): SignatureDict {
    const { kwargs, embed: _embed, ...options } = this.options;
    const celeryOptions = toCeleryOptions(options);
    if (this.links.link.length > 0) celeryOptions.link = [...this.links.link];
    if (this.links.linkError.length > 0) celeryOptions.link_error = [...this.links.linkError];
    return {
      task: this.target.name,
      args: [...this.args],
      kwargs: kwargs ?? {},
      options: celeryOptions,
      subtask_type: null,
      immutable: this.immutable,
    };
  }
}
