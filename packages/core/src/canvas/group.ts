import type { SignatureDict } from '../protocol/task-invocation.js';
import type { ApplyOptions } from '../app/task-options.js';
import { Canvas, applyCanvas, type CanvasApp } from './canvas.js';
import type { AnyCanvas, CanvasInput, InputOfCanvas, ResultsOf, StepAfter } from './canvas-types.js';
import type { GroupResult } from './group-result.js';
import { groupDict } from './signature-dict.js';
import { appOf } from './chain.js';

/** Members run in parallel; the result is the array of their results, in the group's order. */
export class Group<Results extends unknown[] = unknown[], Input extends CanvasInput = CanvasInput> extends Canvas<Results, Input> {
  constructor(
    readonly app: CanvasApp,
    readonly members: readonly AnyCanvas[],
    private readonly errbacks: readonly SignatureDict[] = [],
  ) {
    super();
  }

  /** Run `errback` (with the failed task's id) when a member fails. */
  linkError(errback: StepAfter<string, unknown>): Group<Results, Input> {
    return new Group(this.app, this.members, [...this.errbacks, errback.toDict()]);
  }

  override applyAsync(options: ApplyOptions = {}): Promise<GroupResult<Results>> {
    return applyCanvas<Results>(this.app, this, options) as Promise<GroupResult<Results>>;
  }

  override delay(): Promise<GroupResult<Results>> {
    return this.applyAsync();
  }

  toDict(): SignatureDict {
    return groupDict(this.members.map((member) => member.toDict()), this.errbacks.length > 0 ? { link_error: [...this.errbacks] } : {});
  }
}

/** `group([a.s(1), b.s(2)])` or `group(a.s(1), b.s(2))`: run in parallel, results in order. */
export function group<Members extends readonly AnyCanvas[]>(members: readonly [...Members]): Group<ResultsOf<Members>, InputOfCanvas<Members[number]>>;
export function group<Members extends readonly AnyCanvas[]>(...members: Members): Group<ResultsOf<Members>, InputOfCanvas<Members[number]>>;
export function group(...args: unknown[]): Group {
  const members = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as AnyCanvas[];
  return new Group(appOf(members), members);
}
