import type { SignatureDict } from '../protocol/task-invocation.js';

/**
 * Type-level plumbing for the canvas: what a step takes from the step before it, and what it
 * produces. Phantom members carry both, so `chain(a.s(1), b.s())` fails to compile when a's
 * result does not fit b's first parameter.
 */

/** Marks the phantom members; never present at run time. */
export declare const canvasInput: unique symbol;
export declare const canvasResult: unique symbol;
/** Carried by a Group only: its results, spliced into an enclosing group's (nested groups are flattened). */
export declare const groupResults: unique symbol;
declare const immutableBrand: unique symbol;

/** The arguments of an immutable signature (`.si()`): it ignores whatever the previous step returned. */
export interface ImmutableArgs extends Array<never> {
  readonly [immutableBrand]: true;
}

/** Takes no value from a previous step: every argument is given. */
export interface TakesNothing {
  readonly needs: 'nothing';
}
/** Takes exactly one value (the previous step's result) as its first argument. */
export interface TakesOne<Input> {
  readonly needs: 'one';
  readonly accept: (input: Input) => void;
}
/** Ignores the previous step (immutable). */
export interface TakesAny {
  readonly needs: 'any';
}
/** Lacks more than one leading argument: cannot be a chain step. */
export interface TakesMany {
  readonly needs: 'many';
}
export type CanvasInput = TakesNothing | TakesOne<never> | TakesAny | TakesMany;

/** The input a signature missing `Missing` leading arguments takes. */
export type InputOf<Missing extends unknown[]> = Missing extends ImmutableArgs
  ? TakesAny
  : number extends Missing['length']
    ? TakesAny // a rest parameter (...args: T[]) takes whatever comes, or nothing
    : Missing extends []
    ? TakesNothing
    : Missing extends [infer Only]
      ? TakesOne<Only>
      : TakesMany;

/** Anything a canvas is built from: a signature, chain, group, chord, map… */
export interface CanvasLike<Result = unknown, Input extends CanvasInput = CanvasInput> {
  readonly [canvasInput]?: Input;
  readonly [canvasResult]?: () => Result;
  /** Celery's signature dict, as embedded in messages. */
  toDict(): SignatureDict;
}

/** Any canvas, whatever it takes and returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a container of canvases of every type
export type AnyCanvas = CanvasLike<any, any>;

/** A canvas that can start a workflow: it needs nothing from a previous step. */
export type StartCanvas<Result> = CanvasLike<Result, TakesNothing | TakesAny>;
/** A canvas that can follow a step returning `Previous`. */
export type StepAfter<Previous, Result> = CanvasLike<Result, TakesOne<Previous> | TakesAny>;

export type ResultOf<C> = C extends CanvasLike<infer Result, CanvasInput> ? Result : never;
export type InputOfCanvas<C> = C extends CanvasLike<unknown, infer Input> ? Input : never;
export type ResultsOf<Members extends readonly AnyCanvas[]> = { -readonly [K in keyof Members]: ResultOf<Members[K]> };

/** What one member adds to its group's results: a nested group its own results (flattened), anything else one result. */
type MemberResults<Member> = Member extends { readonly [groupResults]: infer Results extends unknown[] } ? Results : [ResultOf<Member>];

/**
 * The results of a group (or chord header) of `Members`, in order, with nested groups flattened
 * as Celery flattens them: `group(group(a, b), c)` gives `[A, B, C]`.
 */
export type GroupResults<Members extends readonly AnyCanvas[]> = number extends Members['length']
  ? Array<MemberResults<Members[number]>[number]>
  : Members extends readonly [infer First, ...infer Rest extends readonly AnyCanvas[]]
    ? [...MemberResults<First>, ...GroupResults<Rest>]
    : [];

/** Every tail of a tuple: the arguments a partial signature may be given (Celery appends them after the parent's result). */
export type Suffix<T extends unknown[]> = T extends [unknown, ...infer Rest] ? T | Suffix<Rest> : T;

/** The leading parameters of `T` left once the last `Given['length']` are given. */
export type DropTail<T extends unknown[], Given extends unknown[]> = number extends T['length']
  ? T
  : Given['length'] extends T['length']
  ? []
  : T extends [infer Head, ...infer Rest]
    ? [Head, ...DropTail<Rest, Given>]
    : [];
