import { BrokerError, ConfigurationError, TqError } from '@tq/core';

/**
 * Map a failure from ioredis to tq's errors at the adapter boundary, keeping the original as
 * `cause`. Connection and server errors are retryable: the command may be repeated once Redis is back.
 */
export function toBrokerError(cause: unknown, doing: string): TqError {
  if (TqError.isInstance(cause)) return cause;
  const reason = withoutFinalPeriod(cause instanceof Error ? cause.message : String(cause));
  if (/WRONGTYPE/.test(reason)) {
    return new ConfigurationError(`Redis broker: ${doing} failed because a key holds the wrong type (${reason}); another program uses that key name.`, { cause });
  }
  return new BrokerError(`Redis broker: ${doing} failed: ${reason}.`, { cause, retryable: true });
}

/**
 * ioredis ends some messages with a period ("Connection is closed."): drop it before quoting one inside
 * a sentence of ours, which was how "Connection is closed.." came about.
 */
export function withoutFinalPeriod(text: string): string {
  return text.replace(/\.+$/, '');
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
