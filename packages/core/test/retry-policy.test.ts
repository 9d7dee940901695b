import { describe, expect, it } from 'vitest';
import { resolveRetryPolicy, retryDelay, shouldAutoretry } from '../src/retry/retry-policy.js';
import { Unrecoverable } from '../src/errors/signals.js';

const noJitter = { jitter: false } as const;

describe('retry policy', () => {
  it('defaults to Celery: 3 retries, exponential from 1s, capped at 10 minutes, full jitter', () => {
    const policy = resolveRetryPolicy();
    expect(policy).toMatchObject({ max: 3, backoff: 'exponential', delayMs: 1_000, maxDelayMs: 600_000, jitter: true });
  });

  it('doubles the delay each retry with exponential backoff', () => {
    const policy = resolveRetryPolicy({ ...noJitter, delay: '2s' });
    expect([0, 1, 2, 3].map((retry) => retryDelay(policy, retry))).toEqual([2_000, 4_000, 8_000, 16_000]);
  });

  it('keeps the same delay with fixed backoff', () => {
    const policy = resolveRetryPolicy({ ...noJitter, backoff: 'fixed', delay: 500 });
    expect([0, 5, 9].map((retry) => retryDelay(policy, retry))).toEqual([500, 500, 500]);
  });

  it('never exceeds maxDelay', () => {
    const policy = resolveRetryPolicy({ ...noJitter, delay: '1m', maxDelay: '5m' });
    expect(retryDelay(policy, 10)).toBe(300_000);
  });

  it('accepts a function of the retry number', () => {
    const policy = resolveRetryPolicy({ ...noJitter, backoff: (retry) => (retry + 1) * 100 });
    expect(retryDelay(policy, 2)).toBe(300);
  });

  it('spreads delays uniformly over [0, delay] with jitter', () => {
    const policy = resolveRetryPolicy({ delay: 1_000, backoff: 'fixed' });
    expect(retryDelay(policy, 0, () => 0)).toBe(0);
    expect(retryDelay(policy, 0, () => 0.5)).toBe(500);
    expect(retryDelay(policy, 0, () => 0.999_999)).toBe(1_000);
  });

  it('rejects a delay that is not a duration, naming the accepted forms', () => {
    expect(() => resolveRetryPolicy({ delay: '5 minutes' as never })).toThrow(/"250ms", "10s"/);
  });

  describe('autoretryFor', () => {
    class NetworkError extends Error {
      override name = 'NetworkError';
    }

    it('retries every error but Unrecoverable when omitted', () => {
      const policy = resolveRetryPolicy();
      expect(shouldAutoretry(policy, new Error('x'))).toBe(true);
      expect(shouldAutoretry(policy, new Unrecoverable('bad input'))).toBe(false);
    });

    it('retries only matching classes or predicates when given', () => {
      const policy = resolveRetryPolicy({ autoretryFor: [NetworkError, (error) => error instanceof Error && error.message === 'busy'] });
      expect(shouldAutoretry(policy, new NetworkError('reset'))).toBe(true);
      expect(shouldAutoretry(policy, new Error('busy'))).toBe(true);
      expect(shouldAutoretry(policy, new TypeError('bug'))).toBe(false);
    });

    it('matches an error class by name across copies of a module', () => {
      const policy = resolveRetryPolicy({ autoretryFor: [NetworkError] });
      const lookalike = Object.assign(new Error('reset'), { name: 'NetworkError' });
      expect(shouldAutoretry(policy, lookalike)).toBe(true);
    });
  });
});
