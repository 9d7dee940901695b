import { describe, expectTypeOf, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { createApp, type AsyncResult, type Signature, type TaskContext } from '../src/index.js';

const app = createApp();

describe('task typing from an args schema', () => {
  it('types the function’s parameters from the schema output, callers’ from its input', () => {
    const add = app.task(
      'types.schema.add',
      (x, y) => {
        expectTypeOf(x).toEqualTypeOf<number>();
        expectTypeOf(y).toEqualTypeOf<number>();
        return x + y;
      },
      { args: z.tuple([z.number(), z.number()]) },
    );
    expectTypeOf(add.delay).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(add.delay(1, 2)).resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<[number, number], number>>();
    // @ts-expect-error a string where the schema wants a number
    void add.delay('7', 8);
    // @ts-expect-error applyAsync takes the schema's input tuple
    void add.applyAsync([1]);
  });

  it('keeps input and output apart when the schema transforms', () => {
    const when = app.task(
      'types.schema.when',
      (at, label) => {
        expectTypeOf(at).toEqualTypeOf<Date>();
        expectTypeOf(label).toEqualTypeOf<string>();
        return at.getTime();
      },
      { args: z.tuple([z.string().transform((text) => new Date(text)), z.string().default('none')]) },
    );
    // A defaulted element is optional for callers.
    expectTypeOf(when.delay).parameters.toEqualTypeOf<[string, (string | undefined)?]>();
    expectTypeOf(when.delay('2026-01-01')).resolves.toEqualTypeOf<AsyncResult<number>>();
  });

  it('works with valibot, and with a function that takes the TaskContext as this', () => {
    const greet = app.task(
      'types.schema.greet',
      async function (this: TaskContext, user) {
        expectTypeOf(this.retries).toEqualTypeOf<number>();
        expectTypeOf(user).toEqualTypeOf<{ name: string }>();
        return `hello ${user.name}`;
      },
      { args: v.tuple([v.object({ name: v.string() })]) },
    );
    expectTypeOf(greet.delay).parameters.toEqualTypeOf<[{ name: string }]>();
    expectTypeOf(greet.delay({ name: 'ada' })).resolves.toEqualTypeOf<AsyncResult<string>>();
  });

  it('refuses a schema that does not describe an argument list, and a function that disagrees with it', () => {
    // @ts-expect-error an object schema is not an argument list
    app.task('types.schema.object', (value: unknown) => value, { args: z.object({ x: z.number() }) });
    // @ts-expect-error the function wants a string where the schema produces a number
    app.task('types.schema.mismatch', (x: string) => x, { args: z.tuple([z.number()]) });
  });

  it('leaves tasks without a schema typed by their function', () => {
    const plain = app.task('types.schema.plain', (x: number) => x);
    expectTypeOf(plain.delay).parameters.toEqualTypeOf<[x: number]>();
  });
});
