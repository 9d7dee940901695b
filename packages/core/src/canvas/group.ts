import type { SignatureDict } from '../protocol/task-invocation.js';
import type { ApplyOptions } from '../app/task-options.js';
import { Canvas, applyCanvas, type CanvasApp } from './canvas.js';
import type { AnyCanvas, CanvasInput, GroupResults, InputOfCanvas, StartCanvas, StepAfter, groupResults } from './canvas-types.js';
import type { GroupResult } from './group-result.js';
import { type LinkedCallbacks, NO_LINKS, chordParts, cloneDict, extendListOption, groupDict, kindOf, tasksOf } from './signature-dict.js';
import { appOf } from './chain.js';
import { InvalidCanvasError } from './canvas-errors.js';

/**
 * Members run in parallel; the result is the array of their results, in the group's order. A group
 * inside a group (or a chord header) is flattened into it, as Celery does: `group(group(a, b), c)`
 * is `group(a, b, c)`.
 */
export class Group<Results extends unknown[] = unknown[], Input extends CanvasInput = CanvasInput> extends Canvas<Results, Input> {
  /** Marks a group for the types: its results are spliced into an enclosing group's. */
  declare readonly [groupResults]: Results;

  constructor(
    readonly app: CanvasApp,
    readonly members: readonly AnyCanvas[],
    private readonly links: LinkedCallbacks = NO_LINKS,
  ) {
    super();
  }

  /**
   * Run `callback` when the group's FIRST member succeeds — Celery's `group.link`, which links the
   * first member with an immutable copy of the callback. It does not wait for the other members and
   * receives no result; to run something with all the results, use a chord (`group(...).then(task)`).
   */
  link(callback: StartCanvas<unknown>): Group<Results, Input> {
    if (this.members.length === 0) throw new InvalidCanvasError('An empty group has no member to link a callback to.');
    return new Group(this.app, this.members, { ...this.links, link: [...this.links.link, callback.toDict()] });
  }

  /** Run `errback` (with the failed task's id) when a member fails: Celery links it to every member, so it may run more than once. */
  linkError(errback: StepAfter<string, unknown>): Group<Results, Input> {
    return new Group(this.app, this.members, { ...this.links, linkError: [...this.links.linkError, errback.toDict()] });
  }

  override applyAsync(options: ApplyOptions = {}): Promise<GroupResult<Results>> {
    return applyCanvas<Results>(this.app, this, options) as Promise<GroupResult<Results>>;
  }

  override delay(): Promise<GroupResult<Results>> {
    return this.applyAsync();
  }

  /** Celery's dict: callbacks sit on the members, as Celery's group.link / link_error put them. */
  toDict(): SignatureDict {
    const members = this.members.map((member) => member.toDict());
    const [first] = members;
    if (first !== undefined) for (const callback of this.links.link) linkFirst(first, { ...cloneDict(callback), immutable: true });
    for (const member of members) linkErrorsOn(member, this.links.linkError);
    return groupDict(members);
  }
}

/** Celery's Signature.link per kind: a group links its first member, a chord its body. */
function linkFirst(dict: SignatureDict, callback: SignatureDict): void {
  const kind = kindOf(dict);
  const [first] = kind === 'group' ? tasksOf(dict) : [];
  if (first !== undefined) linkFirst(first, callback);
  else if (kind === 'chord') linkFirst(chordParts(dict).body, callback);
  else extendListOption(dict, 'link', [callback]);
}

/** Celery's link_error per kind: a group puts it on every member, a chord on its body. */
function linkErrorsOn(dict: SignatureDict, errbacks: readonly SignatureDict[]): void {
  if (errbacks.length === 0) return;
  const kind = kindOf(dict);
  if (kind === 'group') for (const member of tasksOf(dict)) linkErrorsOn(member, errbacks);
  else if (kind === 'chord') linkErrorsOn(chordParts(dict).body, errbacks);
  else extendListOption(dict, 'link_error', errbacks.map(cloneDict));
}

/**
 * `group([a.s(1), b.s(2)])` or `group(a.s(1), b.s(2))`: run in parallel, results in order. A member
 * that is a group is flattened into this one (its results are spliced in, also in the types).
 */
export function group<Members extends readonly AnyCanvas[]>(members: readonly [...Members]): Group<GroupResults<Members>, InputOfCanvas<Members[number]>>;
export function group<Members extends readonly AnyCanvas[]>(...members: Members): Group<GroupResults<Members>, InputOfCanvas<Members[number]>>;
export function group(...args: unknown[]): Group {
  const members = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as AnyCanvas[];
  return new Group(appOf(members), members);
}
