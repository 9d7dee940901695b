import { type Duration, toMilliseconds } from '../util/duration.js';
import { Unrecoverable } from '../errors/signals.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- error classes take any constructor arguments
type ErrorClass = abstract new (...args: any[]) => Error;

/** What counts as a retryable error: an error class (instanceof or same name), or a predicate. */
export type ErrorMatcher = ErrorClass | ((error: unknown) => boolean);

export interface RetryPolicy {
  /** Most retries after the first attempt. @default 3 (Celery's max_retries) */
  max?: number;
  /** How the delay grows with each retry, or a function of the retry number (0-based) returning ms. @default 'exponential' */
  backoff?: 'fixed' | 'exponential' | ((retry: number) => number);
  /** Base delay: the fixed delay, or the first exponential step. @default "1s" */
  delay?: Duration;
  /** Upper bound of any computed delay. @default "10m" (Celery's retry_backoff_max) */
  maxDelay?: Duration;
  /** Full jitter: pick uniformly in [0, delay], so retrying workers don't stampede. @default true */
  jitter?: boolean;
  /**
   * Errors retried automatically. Omitted: every error is retried except Unrecoverable and signal errors.
   * Given: only matching errors are retried; the rest fail at once (Celery's autoretry_for).
   */
  autoretryFor?: readonly ErrorMatcher[];
}

export interface ResolvedRetryPolicy {
  max: number;
  backoff: 'fixed' | 'exponential' | ((retry: number) => number);
  delayMs: number;
  maxDelayMs: number;
  jitter: boolean;
  autoretryFor: readonly ErrorMatcher[] | undefined;
}

export const DEFAULT_MAX_RETRIES = 3;

export function resolveRetryPolicy(policy: RetryPolicy = {}): ResolvedRetryPolicy {
  return {
    max: policy.max ?? DEFAULT_MAX_RETRIES,
    backoff: policy.backoff ?? 'exponential',
    delayMs: toMilliseconds(policy.delay ?? 1_000, 'retry.delay'),
    maxDelayMs: toMilliseconds(policy.maxDelay ?? 600_000, 'retry.maxDelay'),
    jitter: policy.jitter ?? true,
    autoretryFor: policy.autoretryFor,
  };
}

/** Delay in ms before retry number `retry` (0 = first retry). `random` returns [0, 1). */
export function retryDelay(policy: ResolvedRetryPolicy, retry: number, random: () => number = Math.random): number {
  let delay: number;
  if (typeof policy.backoff === 'function') delay = policy.backoff(retry);
  else if (policy.backoff === 'fixed') delay = policy.delayMs;
  else delay = policy.delayMs * 2 ** retry;
  delay = Math.min(Math.max(0, delay), policy.maxDelayMs);
  return policy.jitter ? Math.floor(random() * (delay + 1)) : delay;
}

function matches(matcher: ErrorMatcher, error: unknown): boolean {
  if (matcher.prototype instanceof Error || matcher === Error) {
    const errorClass = matcher as ErrorClass;
    return error instanceof errorClass || (error instanceof Error && error.name === errorClass.name);
  }
  return (matcher as (error: unknown) => boolean)(error);
}

/** Whether the policy retries this error automatically (the retry count is checked separately). */
export function shouldAutoretry(policy: ResolvedRetryPolicy, error: unknown): boolean {
  if (error instanceof Unrecoverable || (error instanceof Error && error.name === 'Unrecoverable')) return false;
  if (policy.autoretryFor === undefined) return true;
  return policy.autoretryFor.some((matcher) => matches(matcher, error));
}
