import { chord, group, type AnyCanvas, type App, type Task } from '@tq/core';
import fc from 'fast-check';

/**
 * Random nested canvases of add / mul / xsum tasks with failing steps, and their direct in-process
 * evaluation: the model the property test compares the real run against.
 */
export type Op = 'add' | 'mul' | 'fail';
/** Something that starts a workflow (needs no input). */
export type Start =
  | { t: 'leaf'; op: Op; a: number; b: number }
  | { t: 'chord'; header: HeaderMember[] }
  | { t: 'chain'; first: Start; steps: Step[] };
/** A chord header member: a nested group is flattened into the header (one result per task). */
export type HeaderMember = Start | { t: 'nested-group'; members: HeaderMember[] };
/**
 * Something that follows a step (receives the previous result). `groups-sum` is
 * `then(group(members)).then(group(xsum × sums)).then(xsum)`; `chord-group-sum` is
 * `then(chord(members, group(xsum × sums))).then(xsum)`: both pass a group's results on to a group.
 */
export type Step =
  | { t: 'partial'; op: Op; k: number }
  | { t: 'group-sum'; members: Step[] }
  | { t: 'chord-sum'; members: Step[] }
  | { t: 'groups-sum' | 'chord-group-sum'; members: Step[]; sums: number };

const small = fc.integer({ min: -5, max: 9 });
// Failing steps are rarer than working ones, so most canvases get deep before they stop.
const op: fc.Arbitrary<Op> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<Op>('add', 'mul') }, { weight: 1, arbitrary: fc.constant<Op>('fail') });

function stepArb(depth: number): fc.Arbitrary<Step> {
  const partial = fc.record({ t: fc.constant('partial' as const), op, k: small });
  if (depth <= 0) return partial;
  const members = fc.array(stepArb(depth - 1), { minLength: 1, maxLength: 3 });
  return fc.oneof(
    { weight: 3, arbitrary: partial },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('group-sum' as const), members }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('chord-sum' as const), members }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('groups-sum' as const, 'chord-group-sum' as const), members, sums: fc.integer({ min: 1, max: 3 }) }) },
  );
}

function headerMemberArb(depth: number): fc.Arbitrary<HeaderMember> {
  if (depth <= 0) return startArb(0);
  return fc.oneof(
    { weight: 3, arbitrary: startArb(depth) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('nested-group' as const), members: fc.array(headerMemberArb(depth - 1), { minLength: 1, maxLength: 3 }) }) },
  );
}

export function startArb(depth: number): fc.Arbitrary<Start> {
  const leaf = fc.record({ t: fc.constant('leaf' as const), op, a: small, b: small });
  if (depth <= 0) return leaf;
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('chord' as const), header: fc.array(headerMemberArb(depth - 1), { minLength: 1, maxLength: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('chain' as const), first: startArb(depth - 1), steps: fc.array(stepArb(depth - 1), { minLength: 1, maxLength: 3 }) }) },
  );
}

/** The outcome of direct evaluation, and how many chord bodies (xsum) run on the way. */
export type Outcome = { ok: true; value: number } | { ok: false };
export interface Evaluation {
  outcome: Outcome;
  bodies: number;
}

// `+ 0` turns -0 into 0: JSON (the wire) has no negative zero.
const apply = (o: Op, x: number, y: number): Outcome => (o === 'fail' ? { ok: false } : { ok: true, value: (o === 'add' ? x + y : x * y) + 0 });

export function evaluate(node: Start): Evaluation {
  switch (node.t) {
    case 'leaf':
      return { outcome: apply(node.op, node.a, node.b), bodies: 0 };
    case 'chord':
      return sumOf(flatHeader(node.header).map(evaluate));
    case 'chain': {
      let current = evaluate(node.first);
      for (const step of node.steps) {
        if (!current.outcome.ok) break;
        const next = evaluateStep(step, current.outcome.value);
        current = { outcome: next.outcome, bodies: current.bodies + next.bodies };
      }
      return current;
    }
  }
}

/** Nested groups add their tasks to the header one by one, in order (as Celery flattens them). */
function flatHeader(members: HeaderMember[]): Start[] {
  return members.flatMap((member) => (member.t === 'nested-group' ? flatHeader(member.members) : [member]));
}

function evaluateStep(step: Step, input: number): Evaluation {
  switch (step.t) {
    case 'partial':
      return { outcome: apply(step.op, input, step.k), bodies: 0 };
    case 'group-sum':
    case 'chord-sum':
      return sumOf(step.members.map((member) => evaluateStep(member, input)));
    default: {
      // Each of the `sums` xsums receives the members' results; the last xsum adds their sums.
      const parts = step.members.map((member) => evaluateStep(member, input));
      const bodies = parts.reduce((total, part) => total + part.bodies, 0);
      if (!parts.every((part) => part.outcome.ok)) return { outcome: { ok: false }, bodies };
      const sum = parts.reduce((total, part) => total + (part.outcome.ok ? part.outcome.value : 0), 0);
      return { outcome: { ok: true, value: sum * step.sums + 0 }, bodies: bodies + step.sums + 1 };
    }
  }
}

/** A chord with xsum as its body: it runs (once) only when every header member succeeded. */
function sumOf(parts: Evaluation[]): Evaluation {
  const bodies = parts.reduce((total, part) => total + part.bodies, 0);
  if (!parts.every((part) => part.outcome.ok)) return { outcome: { ok: false }, bodies };
  const value = parts.reduce((total, part) => total + (part.outcome.ok ? part.outcome.value : 0), 0);
  return { outcome: { ok: true, value }, bodies: bodies + 1 };
}

export interface ModelTasks {
  add: Task<[x: number, y: number], number>;
  mul: Task<[x: number, y: number], number>;
  fail: Task<[x: number, y: number], number>;
  xsum: Task<[numbers: number[]], number>;
}

/** The same canvas for real. Types are checked by the canvas tests; here the shapes are random, so build untyped. */
export function build(node: Start, tasks: ModelTasks): AnyCanvas {
  switch (node.t) {
    case 'leaf':
      return tasks[node.op].s(node.a, node.b);
    case 'chord':
      return chord(node.header.map((member) => buildHeaderMember(member, tasks)), tasks.xsum.s() as never);
    case 'chain':
      return node.steps.reduce<AnyCanvas>((canvas, step) => buildStep(canvas, step, tasks), build(node.first, tasks));
  }
}

/** `canvas.then(next)` for canvases built untyped. */
const then = (canvas: AnyCanvas, next: AnyCanvas): AnyCanvas => (canvas as unknown as { then(next: AnyCanvas): AnyCanvas }).then(next);

function buildHeaderMember(member: HeaderMember, tasks: ModelTasks): AnyCanvas {
  return member.t === 'nested-group' ? group(member.members.map((inner) => buildHeaderMember(inner, tasks))) : build(member, tasks);
}

function buildStep(previous: AnyCanvas, step: Step, tasks: ModelTasks): AnyCanvas {
  switch (step.t) {
    case 'partial':
      return then(previous, tasks[step.op].s(step.k));
    case 'group-sum':
      // group | xsum after a step: upgraded to a chord whose header receives the previous result.
      return then(then(previous, group(step.members.map(memberOfStep(tasks)) as AnyCanvas[])), tasks.xsum.s());
    case 'chord-sum':
      return then(previous, chord(step.members.map(memberOfStep(tasks)) as AnyCanvas[], tasks.xsum.s() as never));
    case 'groups-sum': {
      // group | group | xsum: chord(group, chord(group, xsum)).
      const first = then(previous, group(step.members.map(memberOfStep(tasks)) as AnyCanvas[]));
      return then(then(first, sums(step.sums, tasks)), tasks.xsum.s());
    }
    case 'chord-group-sum':
      // chord(members, group).then(xsum): the step joins the body, chord(members, chord(group, xsum)).
      return then(then(previous, chord(step.members.map(memberOfStep(tasks)) as AnyCanvas[], sums(step.sums, tasks) as never)), tasks.xsum.s());
  }
}

function sums(count: number, tasks: ModelTasks): AnyCanvas {
  return group(Array.from({ length: count }, () => tasks.xsum.s()));
}

/** A step used as a header member receives the same input as its siblings: a nested sum becomes a chord (or a chain starting with one). */
function memberOfStep(tasks: ModelTasks) {
  return (member: Step): AnyCanvas => {
    switch (member.t) {
      case 'partial':
        return tasks[member.op].s(member.k);
      case 'group-sum':
      case 'chord-sum':
        return chord(member.members.map(memberOfStep(tasks)) as AnyCanvas[], tasks.xsum.s() as never);
      case 'groups-sum':
        return then(then(group(member.members.map(memberOfStep(tasks)) as AnyCanvas[]), sums(member.sums, tasks)), tasks.xsum.s());
      case 'chord-group-sum':
        return then(chord(member.members.map(memberOfStep(tasks)) as AnyCanvas[], sums(member.sums, tasks) as never), tasks.xsum.s());
    }
  };
}

export function registerModelTasks(app: App, onBody: () => void): ModelTasks {
  return {
    add: app.task('model.add', (x: number, y: number) => x + y),
    mul: app.task('model.mul', (x: number, y: number) => x * y),
    fail: app.task('model.fail', (x: number, y: number): number => {
      throw new RangeError(`planned failure (${x}, ${y})`);
    }),
    xsum: app.task('model.xsum', (numbers: number[]) => {
      onBody();
      return numbers.reduce((total, value) => total + value, 0);
    }),
  };
}
