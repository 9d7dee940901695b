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

  /**
   * `TqError.isInstance(e)` is true for any tq error; on a subclass (`UnknownTaskError.isInstance(e)`)
   * it also requires that class's name, so it works like instanceof across package copies.
   */
  static isInstance<T extends TqError>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[TQ_ERROR] !== true) return false;
    return (this as unknown) === TqError || (value as Error).name === this.name;
  }
}
