export {
  resolveRetryPolicy,
  retryDelay,
  shouldAutoretry,
  DEFAULT_MAX_RETRIES,
  type RetryPolicy,
  type ResolvedRetryPolicy,
  type ErrorMatcher,
} from './retry-policy.js';
