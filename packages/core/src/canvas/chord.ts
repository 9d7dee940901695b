import type { SignatureDict } from '../protocol/task-invocation.js';
import { Canvas, type CanvasApp } from './canvas.js';
import type { AnyCanvas, CanvasInput, GroupResults, InputOfCanvas, StepAfter } from './canvas-types.js';
import { Group } from './group.js';
import { type LinkedCallbacks, NO_LINKS, chordDict, cloneDict, groupDict, linkOptions, tasksOf } from './signature-dict.js';
import { appOf } from './chain.js';

/**
 * A header group and a body that runs once with the array of the header's results, after the last
 * of them finished. Joined through the result backend's atomic chordJoin (no polling); a failing
 * header task fails the chord: the body does not run, its errbacks do, once.
 */
export class Chord<Result = unknown, Input extends CanvasInput = CanvasInput> extends Canvas<Result, Input> {
  constructor(
    readonly app: CanvasApp,
    readonly header: readonly AnyCanvas[],
    readonly body: AnyCanvas,
    private readonly linked: LinkedCallbacks = NO_LINKS,
  ) {
    super();
  }

  /** Run `callback` with the body's result. */
  link(callback: StepAfter<Result, unknown>): Chord<Result, Input> {
    return new Chord(this.app, this.header, this.body, { ...this.linked, link: [...this.linked.link, callback.toDict()] });
  }

  /** Run `errback` once when the chord fails (a header task failed, or the body did), with the body's id. */
  linkError(errback: StepAfter<string, unknown>): Chord<Result, Input> {
    return new Chord(this.app, this.header, this.body, { ...this.linked, linkError: [...this.linked.linkError, errback.toDict()] });
  }

  toDict(): SignatureDict {
    return chordDict(groupDict(this.header.map((member) => member.toDict())), this.body.toDict(), linkOptions(this.linked));
  }
}

/**
 * `chord([add.s(1, 1), add.s(2, 2)], tsum.s())`: the body receives `[2, 4]`. The body must take the
 * header's results array as its missing first argument, or be immutable. A group in the header is
 * flattened into it (Celery counts its members one by one): `chord([group(a, b), c], body)` gives
 * the body `[a, b, c]`. A chord whose body is a group, followed by a step, passes the group's
 * results on: `chord(header, group(x, y)).then(t)` is `chord(header, chord(group(x, y), t))`.
 */
export function chord<Members extends readonly AnyCanvas[], Result>(
  header: readonly [...Members],
  body: StepAfter<GroupResults<Members>, Result>,
): Chord<Result, InputOfCanvas<Members[number]>>;
export function chord<Results extends unknown[], Input extends CanvasInput, Result>(header: Group<Results, Input>, body: StepAfter<Results, Result>): Chord<Result, Input>;
export function chord(header: readonly AnyCanvas[] | Group, body: AnyCanvas): Chord {
  if (header instanceof Group) {
    // The group's members as its dict lists them: with the callbacks group.link / linkError put on them.
    const members = tasksOf(header.toDict()).map((dict): AnyCanvas => ({ toDict: () => cloneDict(dict) }));
    return new Chord(header.app, members, body);
  }
  return new Chord(appOf([...header, body]), header, body);
}
