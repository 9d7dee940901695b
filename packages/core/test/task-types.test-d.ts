import { describe, expectTypeOf, it } from 'vitest';
import { createApp, type AsyncResult, type Signature, type TaskContext } from '../src/index.js';

const app = createApp();
const add = app.task('types.add', async (x: number, y: number) => x + y);
const greet = app.task('types.greet', (name: string, punctuation?: string) => `hello ${name}${punctuation ?? ''}`);
const withContext = app.task('types.ctx', async function (this: TaskContext, url: string) {
  expectTypeOf(this.signal).toEqualTypeOf<AbortSignal>();
  expectTypeOf(this.retries).toEqualTypeOf<number>();
  return { url, status: 200 };
});

describe('task typing', () => {
  it('infers argument types from the function', () => {
    expectTypeOf(add.delay).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(greet.delay).parameters.toEqualTypeOf<[name: string, punctuation?: string]>();
    expectTypeOf(withContext.delay).parameters.toEqualTypeOf<[url: string]>();
  });

  it('infers the awaited result type', () => {
    expectTypeOf(add.delay(1, 2)).resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf<Awaited<ReturnType<AsyncResult<number>['get']>>>().toEqualTypeOf<number>();
    expectTypeOf(withContext.delay('x')).resolves.toEqualTypeOf<AsyncResult<{ url: string; status: number }>>();
    expectTypeOf(greet.delay('a')).resolves.toEqualTypeOf<AsyncResult<string>>();
  });

  it('rejects wrong arguments at compile time', () => {
    // @ts-expect-error a string where a number is expected
    void add.delay('2', 3);
    // @ts-expect-error a missing argument
    void add.delay(2);
    // @ts-expect-error one argument too many
    void add.delay(1, 2, 3);
    // @ts-expect-error applyAsync takes the arguments as a typed tuple
    void add.applyAsync([1, '2']);
    // @ts-expect-error the TaskContext is bound to `this`, never passed as an argument
    void withContext.delay({} as TaskContext, 'x');
  });

  it('types signatures and their options', () => {
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<[number, number], number>>();
    // @ts-expect-error signatures check their arguments too
    void add.s(1, 'x');
    // @ts-expect-error unknown options are refused
    void add.applyAsync([1, 2], { countdownn: 5 });
    void add.applyAsync([1, 2], { countdown: '10s', priority: 9, queue: 'math' });
    // @ts-expect-error durations take a unit
    void add.applyAsync([1, 2], { countdown: '10 seconds' });
  });
});
