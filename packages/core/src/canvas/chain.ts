import type { SignatureDict } from '../protocol/task-invocation.js';
import { Canvas, registerChainFactory, type CanvasApp } from './canvas.js';
import type { AnyCanvas, CanvasInput, StartCanvas, StepAfter, TakesAny, TakesNothing } from './canvas-types.js';
import { type LinkedCallbacks, NO_LINKS, chainDict, linkOptions } from './signature-dict.js';
import { InvalidCanvasError } from './canvas-errors.js';

/**
 * Steps run one after the other, each receiving the previous result as its first argument (unless
 * immutable). Its result is the last step's; a failing step stops it and fails the remaining steps.
 */
export class Chain<Result = unknown, Input extends CanvasInput = CanvasInput> extends Canvas<Result, Input> {
  constructor(
    readonly app: CanvasApp,
    readonly steps: readonly AnyCanvas[],
    private readonly linked: LinkedCallbacks = NO_LINKS,
  ) {
    super();
  }

  /** Run `callback` with the chain's result (on the last step). */
  link(callback: StepAfter<Result, unknown>): Chain<Result, Input> {
    return new Chain(this.app, this.steps, { ...this.linked, link: [...this.linked.link, callback.toDict()] });
  }

  /** Run `errback` (with the failed task's id) when any step fails: Celery puts it on every step. */
  linkError(errback: StepAfter<string, unknown>): Chain<Result, Input> {
    return new Chain(this.app, this.steps, { ...this.linked, linkError: [...this.linked.linkError, errback.toDict()] });
  }

  override then<Next>(next: StepAfter<Result, Next>): Chain<Next, Input> {
    return new Chain(this.app, [...this.steps, next], this.linked);
  }

  toDict(): SignatureDict {
    return chainDict(this.steps.map((step) => step.toDict()), linkOptions(this.linked));
  }
}

registerChainFactory((app, steps) => new Chain(app, steps));

type Start = TakesNothing | TakesAny;

/** The app of the first canvas that has one. */
export function appOf(canvases: readonly AnyCanvas[]): CanvasApp {
  for (const canvas of canvases) {
    const app = (canvas as { app?: CanvasApp }).app;
    if (app !== undefined) return app;
  }
  throw new InvalidCanvasError('A canvas needs at least one signature made from an app task (task.s()).');
}

/**
 * `chain(a.s(1, 2), b.s(), c.s(10))`: b receives a's result, c receives b's. Each step must take
 * the previous result as its (only missing) first argument, or be immutable (`.si()`).
 * Typed up to 8 steps; use `.then()` for longer chains.
 */
export function chain<R1>(a: StartCanvas<R1>): Chain<R1, Start>;
export function chain<R1, R2>(a: StartCanvas<R1>, b: StepAfter<R1, R2>): Chain<R2, Start>;
export function chain<R1, R2, R3>(a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>): Chain<R3, Start>;
export function chain<R1, R2, R3, R4>(a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>, d: StepAfter<R3, R4>): Chain<R4, Start>;
export function chain<R1, R2, R3, R4, R5>(a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>, d: StepAfter<R3, R4>, e: StepAfter<R4, R5>): Chain<R5, Start>;
export function chain<R1, R2, R3, R4, R5, R6>(
  a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>, d: StepAfter<R3, R4>, e: StepAfter<R4, R5>, f: StepAfter<R5, R6>,
): Chain<R6, Start>;
export function chain<R1, R2, R3, R4, R5, R6, R7>(
  a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>, d: StepAfter<R3, R4>, e: StepAfter<R4, R5>, f: StepAfter<R5, R6>, g: StepAfter<R6, R7>,
): Chain<R7, Start>;
export function chain<R1, R2, R3, R4, R5, R6, R7, R8>(
  a: StartCanvas<R1>, b: StepAfter<R1, R2>, c: StepAfter<R2, R3>, d: StepAfter<R3, R4>, e: StepAfter<R4, R5>, f: StepAfter<R5, R6>, g: StepAfter<R6, R7>, h: StepAfter<R7, R8>,
): Chain<R8, Start>;
export function chain(...steps: AnyCanvas[]): Chain {
  if (steps.length === 0) throw new InvalidCanvasError('A chain needs at least one step.');
  return new Chain(appOf(steps), steps);
}
