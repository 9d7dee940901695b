import { describe, expectTypeOf, it } from 'vitest';
import { chain, chord, createApp, group, type AsyncResult, type GroupResult } from '../src/index.js';

const app = createApp();
const add = app.task('types.add', (x: number, y: number) => x + y);
const toText = app.task('types.text', (n: number) => String(n));
const shout = app.task('types.shout', (text: string, marks: string) => `${text.toUpperCase()}${marks}`);
const tsum = app.task('types.tsum', (numbers: number[]) => numbers.reduce((a, b) => a + b, 0));
const joinAll = app.task('types.join', (parts: string[]) => parts.join(','));
const ping = app.task('types.ping', () => 'pong' as const);

describe('canvas typing', () => {
  it("flows each step's result into the next step's first parameter", () => {
    expectTypeOf(chain(add.s(1, 2), add.s(3), toText.s(), shout.s('!')).applyAsync()).resolves.toEqualTypeOf<AsyncResult<string>>();
    expectTypeOf(add.s(1, 2).then(toText.s()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<string>>();
    // An immutable step ignores the previous result, whatever its type.
    expectTypeOf(chain(add.s(1, 2), ping.si(), toText.si(5)).applyAsync()).resolves.toEqualTypeOf<AsyncResult<string>>();
  });

  it('rejects steps whose first parameter does not take the previous result', () => {
    // @ts-expect-error shout takes a string first, add returns a number
    chain(add.s(1, 2), shout.s('!'));
    // @ts-expect-error the same through then()
    add.s(1, 2).then(shout.s('!'));
    // @ts-expect-error a complete signature cannot follow a step: it would receive an extra argument
    chain(add.s(1, 2), add.s(3, 4));
    // @ts-expect-error a step missing two arguments cannot follow a step
    chain(add.s(1, 2), add.s());
    // @ts-expect-error the first step must be complete (or immutable)
    chain(add.s(1), add.s(2));
    // @ts-expect-error partial arguments are type-checked too
    add.s('x');
  });

  it("gives a chord body the array of the header's results", () => {
    expectTypeOf(chord([add.s(1, 1), add.s(2, 2)], tsum.s()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(chord(group(toText.s(1), toText.s(2)), joinAll.s()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<string>>();
    // @ts-expect-error the header returns numbers, the body wants strings
    chord([add.s(1, 1), add.s(2, 2)], joinAll.s());
    // @ts-expect-error the body must take the results array as its missing first argument
    chord([add.s(1, 1)], add.s(1));
  });

  it('types group results as a tuple in member order', () => {
    expectTypeOf(group(add.s(1, 1), toText.s(2)).applyAsync()).resolves.toEqualTypeOf<GroupResult<[number, string]>>();
    expectTypeOf(group([add.s(1, 1), add.s(2, 2)]).applyAsync()).resolves.toEqualTypeOf<GroupResult<[number, number]>>();
    // A group of partials follows a step: each member receives the previous result.
    expectTypeOf(chain(add.s(1, 1), group(add.s(1), toText.s()), ping.si()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<'pong'>>();
  });

  it('flattens nested groups in the result types, as they are flattened when applied', () => {
    expectTypeOf(group(group(add.s(1, 1), toText.s(2)), ping.si()).applyAsync()).resolves.toEqualTypeOf<GroupResult<[number, string, 'pong']>>();
    expectTypeOf(chord([group(add.s(1, 1), add.s(2, 2)), add.s(3, 3)], tsum.s()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<number>>();
    // @ts-expect-error the nested group adds a string to the header's results; tsum wants numbers only
    chord([group(toText.s(1)), add.s(1, 1)], tsum.s());
  });

  it('types groups followed by steps: chain(group, group, task) and chord(header, group).then(task)', () => {
    expectTypeOf(chain(group(add.s(1, 1), add.s(2, 2)), group(tsum.s(), tsum.s()), tsum.s()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(chord([add.s(1, 1)], group(tsum.s(), tsum.s())).then(ping.si()).applyAsync()).resolves.toEqualTypeOf<AsyncResult<'pong'>>();
    // @ts-expect-error the second group returns [string, string]; tsum wants numbers
    chain(group(add.s(1, 1)), group(toText.s(), toText.s()), tsum.s());
  });

  it("types group.link: the callback runs after the first member with no result (Celery makes it immutable), so it must need nothing", () => {
    group(add.s(1, 1), add.s(2, 2)).link(ping.si()).link(add.s(1, 2));
    // @ts-expect-error tsum needs the results array, which group.link never passes (use a chord)
    group(add.s(1, 1), add.s(2, 2)).link(tsum.s());
  });

  it('types map, starmap and chunks', () => {
    expectTypeOf(toText.map([1, 2]).applyAsync()).resolves.toEqualTypeOf<AsyncResult<string[]>>();
    expectTypeOf(add.starmap([[1, 2]]).applyAsync()).resolves.toEqualTypeOf<AsyncResult<number[]>>();
    expectTypeOf(add.chunks([[1, 2]], 10).applyAsync()).resolves.toEqualTypeOf<AsyncResult<number[][]>>();
    // @ts-expect-error starmap items are argument tuples
    add.starmap([[1, 'x']]);
  });

  it('types link and linkError callbacks', () => {
    add.s(1, 2).link(toText.s());
    // @ts-expect-error the callback receives a number
    add.s(1, 2).link(shout.s('!'));
    // errbacks receive the failed task's id (a string)
    add.s(1, 2).linkError(shout.s('!'));
    // @ts-expect-error errbacks receive a string id, not a number
    add.s(1, 2).linkError(toText.s());
  });
});
