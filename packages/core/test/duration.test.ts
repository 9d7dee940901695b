import { describe, expect, it } from 'vitest';
import { toMilliseconds } from '../src/util/duration.js';
import { ConfigurationError } from '../src/errors/errors.js';

describe('durations', () => {
  it('takes numbers as milliseconds and strings with units', () => {
    expect(toMilliseconds(250)).toBe(250);
    expect(toMilliseconds('250ms')).toBe(250);
    expect(toMilliseconds('1.5s')).toBe(1_500);
    expect(toMilliseconds('5m')).toBe(300_000);
    expect(toMilliseconds('2h')).toBe(7_200_000);
    expect(toMilliseconds('1d')).toBe(86_400_000);
  });

  it('rejects negative, non-finite and unit-less values with the accepted forms', () => {
    expect(() => toMilliseconds(-1, 'countdown')).toThrow(ConfigurationError);
    expect(() => toMilliseconds(Number.NaN)).toThrow(/non-negative number of milliseconds/);
    expect(() => toMilliseconds('10' as never, 'expires')).toThrow(/Invalid expires "10"/);
  });
});
