import { describe, expectTypeOf, it } from 'vitest';
import { createApp } from '@tq/core';
import { createBeat, type EntryDefinition } from '../src/index.js';

const app = createApp();
const beat = createBeat(app);
const cleanup = app.task('types.cleanup', async () => 0);
const resize = app.task('types.resize', async (width: number, height: number) => width * height);
const greet = app.task('types.greet', (name: string, punctuation?: string) => `hello ${name}${punctuation ?? ''}`);

describe('beat.schedule typing', () => {
  it('checks args against the task', () => {
    beat.schedule('cleanup', { every: '1h', task: cleanup, args: [] });
    beat.schedule('cleanup-no-args', { every: '1h', task: cleanup });
    beat.schedule('resize', { cron: '0 * * * *', timezone: 'Europe/Berlin', task: resize, args: [640, 480] });
    beat.schedule('greet', { solar: 'sunrise', latitude: 52.5, longitude: 13.4, task: greet, args: ['Berlin'] });
    beat.schedule('greet-once', { at: new Date(), task: greet, args: ['you', '!'], options: { queue: 'q', priority: 5, expires: '30s' }, catchUp: 'none' });
  });

  it('rejects wrong, missing or extra args at compile time', () => {
    // @ts-expect-error a string where a number is expected
    beat.schedule('bad1', { every: '1h', task: resize, args: ['640', 480] });
    // @ts-expect-error args are required when the task has parameters
    beat.schedule('bad2', { every: '1h', task: resize });
    // @ts-expect-error an extra argument
    beat.schedule('bad3', { every: '1h', task: cleanup, args: [1] });
  });

  it('rejects bad schedule fields at compile time', () => {
    // @ts-expect-error two schedule kinds in one entry
    beat.schedule('bad4', { every: '1h', cron: '* * * * *', task: cleanup });
    // @ts-expect-error not a duration
    beat.schedule('bad5', { every: '1 hour', task: cleanup });
    // @ts-expect-error unknown solar event
    beat.schedule('bad6', { solar: 'moonrise', latitude: 0, longitude: 0, task: cleanup });
    // @ts-expect-error unknown catch-up policy
    beat.schedule('bad7', { every: '1h', task: cleanup, catchUp: 'some' });
  });

  it('accepts a task by name with untyped args (e.g. a Python Celery task)', () => {
    beat.schedule('celery', { every: '5m', task: 'proj.tasks.report', args: [1, 'x'], kwargs: { full: true } });
    expectTypeOf<EntryDefinition['task']>().toEqualTypeOf<string>();
  });
});
