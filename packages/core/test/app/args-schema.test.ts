import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { z } from 'zod';
import { InvalidArgumentsError, createApp, formatArgumentPath, validateTaskArguments, type App, type StandardSchemaV1 } from '../../src/index.js';
import { createMemoryBackend, createMemoryBroker } from '../../src/memory/index.js';

function memoryApp(): App {
  const namespace = `args-schema-${randomUUID()}`;
  return createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
}

async function ready(app: App): Promise<number> {
  return (await app.broker.stats('celery')).ready;
}

describe('task argument schemas (Standard Schema)', () => {
  it('rejects an invalid delay() with InvalidArgumentsError before publishing (zod)', async () => {
    const app = memoryApp();
    const add = app.task('tasks.add', (x, y) => x + y, { args: z.tuple([z.number(), z.number()]) });
    const error = await add.applyAsync(['7', 8] as unknown as [number, number]).catch((caught: unknown) => caught);
    expect(InvalidArgumentsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'TQ_INVALID_ARGUMENTS', taskName: 'tasks.add', retryable: false });
    expect((error as InvalidArgumentsError).issues).toEqual([{ path: [0], message: expect.stringMatching(/number/i) }]);
    expect((error as Error).message).toMatch(/^Invalid arguments for task "tasks\.add": args\[0\]: .*number.*\. Send arguments that match the task's args schema\.$/i);
    expect(await ready(app)).toBe(0);
  });

  it('rejects an invalid call before publishing (valibot), and sends a valid one', async () => {
    const app = memoryApp();
    const greet = app.task('tasks.greet', (user) => `hello ${user.name}`, { args: v.tuple([v.object({ name: v.pipe(v.string(), v.minLength(1)) })]) });
    const error = await greet.delay({ name: '' }).catch((caught: unknown) => caught);
    expect((error as InvalidArgumentsError).issues).toEqual([{ path: [0, 'name'], message: expect.any(String) }]);
    expect((error as Error).message).toContain('args[0].name: ');
    expect(await ready(app)).toBe(0);
    await greet.delay({ name: 'ada' });
    expect(await ready(app)).toBe(1);
  });

  it('checks sendTask() by name for a registered task, kwargs mapped through argNames', async () => {
    const app = memoryApp();
    app.task('tasks.add', (x, y) => x + y, { args: z.tuple([z.number(), z.number()]), argNames: ['x', 'y'] });
    await expect(app.sendTask('tasks.add', [1], { kwargs: { y: 'two' } })).rejects.toThrow(/args\[1\]/);
    await app.sendTask('tasks.add', [1], { kwargs: { y: 2 } });
    expect(await ready(app)).toBe(1);
  });

  it('sends unchecked with validateOnSend: false or { validate: false }; the worker still checks', async () => {
    const app = memoryApp();
    const schema = z.tuple([z.number()]);
    const loose = app.task('tasks.loose', (x) => x, { args: schema, validateOnSend: false });
    const strict = app.task('tasks.strict', (x) => x, { args: schema });
    await loose.applyAsync(['x'] as unknown as [number]);
    await strict.applyAsync(['x'] as unknown as [number], { validate: false });
    expect(await ready(app)).toBe(2);
  });

  it('sends the arguments as given, not the schema output (the worker applies transforms)', async () => {
    const app = memoryApp();
    const twice = app.task('tasks.twice', (n) => n * 2, { args: z.tuple([z.coerce.number()]) });
    await twice.applyAsync(['21'] as unknown as [number]);
    const sent = await new Promise<unknown>((resolve) => {
      void app.broker.consume(['celery'], (delivery) => {
        void delivery.ack();
        resolve(JSON.parse(new TextDecoder().decode(delivery.message.body)));
      }, { prefetch: 1 });
    });
    expect((sent as unknown[])[0]).toEqual(['21']);
  });

  it('accepts any Standard Schema, including an async one, and returns its output', async () => {
    const positive: StandardSchemaV1<number[], number[]> = {
      '~standard': {
        version: 1,
        vendor: 'handmade',
        validate: async (value) =>
          Array.isArray(value) && value.every((n) => typeof n === 'number' && n > 0)
            ? { value: (value as number[]).map((n) => n * 10) }
            : { issues: [{ message: 'must be positive numbers', path: [{ key: 0 }] }] },
      },
    };
    await expect(validateTaskArguments('tasks.p', positive, [1, 2])).resolves.toEqual([10, 20]);
    await expect(validateTaskArguments('tasks.p', positive, [-1])).rejects.toMatchObject({ issues: [{ path: [0], message: 'must be positive numbers' }] });
  });

  it('formats issue paths like property access on the argument list', () => {
    expect(formatArgumentPath([])).toBe('args');
    expect(formatArgumentPath([1, 'user', 'e-mail', 0])).toBe('args[1].user["e-mail"][0]');
  });
});
