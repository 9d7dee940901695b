import { describe, expect, it } from 'vitest';
import { ConfigurationError, createApp } from '../src/index.js';
import { parseRateLimit, type RateLimit } from '../src/util/rate.js';

describe('parseRateLimit (Celery rate_limit)', () => {
  it('reads a number as tasks per second and "N/s", "N/m", "N/h" as Celery does', () => {
    expect(parseRateLimit(10)).toBe(10);
    expect(parseRateLimit(0.5)).toBe(0.5);
    expect(parseRateLimit('10/s')).toBe(10);
    expect(parseRateLimit('100/m')).toBeCloseTo(100 / 60, 12);
    expect(parseRateLimit('1000/h')).toBeCloseTo(1000 / 3600, 12);
    expect(parseRateLimit('0.5/s')).toBe(0.5);
    // Celery's rate(): no unit means per second.
    expect(parseRateLimit('10')).toBe(10);
    expect(parseRateLimit(' 2 / m ' as RateLimit)).toBeCloseTo(2 / 60, 12);
  });

  it.each<[unknown]>([['10/x'], ['ten/s'], ['10/'], ['/s'], ['-1/s'], ['0/m'], [0], [-3], [Number.NaN], [Number.POSITIVE_INFINITY], [''], [null], [{}]])(
    'refuses %j, naming the accepted forms',
    (value) => {
      expect(() => parseRateLimit(value as RateLimit)).toThrow(ConfigurationError);
      expect(() => parseRateLimit(value as RateLimit)).toThrow("expected a number of tasks per second or 'N/s', 'N/m', 'N/h'");
    },
  );

  it('is checked when the task is registered, naming the task', () => {
    const app = createApp();
    expect(() => app.task('tasks.bad', () => 1, { rateLimit: '10/x' as RateLimit })).toThrow(
      /^Invalid rateLimit "10\/x" for task "tasks.bad": expected a number of tasks per second or 'N\/s', 'N\/m', 'N\/h'/,
    );
    expect(app.task('tasks.good', () => 1, { rateLimit: '120/m' }).rateLimitPerSecond).toBe(2);
    expect(app.task('tasks.free', () => 1).rateLimitPerSecond).toBeNull();
  });
});
