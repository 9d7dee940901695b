const TQ_ERROR = Symbol.for('tq.error');

export interface TqErrorOptions {
  cause?: unknown;
  /** Whether repeating the same operation later may succeed (lost connection, timeout). */
  retryable?: boolean;
}

/**
 * Base of every error tq throws. `code` is stable across versions: match on it, not on messages.
 * `isInstance` works across duplicate copies of @tq/core in one process, where `instanceof` does not.
 */
export class TqError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly [TQ_ERROR] = true;

  constructor(code: string, message: string, options: TqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  static isInstance(value: unknown): value is TqError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TQ_ERROR] === true;
  }
}
