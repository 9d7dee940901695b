import { TqError, type TqErrorOptions } from '@tq/core';

/** A schedule that cannot fire as written: bad cron pattern, unknown timezone or solar event, bad duration. */
export class InvalidScheduleError extends TqError {
  readonly entry: string;
  constructor(entry: string, message: string, options?: TqErrorOptions) {
    super('TQ_BEAT_INVALID_SCHEDULE', `Beat entry "${entry}": ${message}`, options);
    this.entry = entry;
  }
}

/** Two entries with the same name in code or in the schedule file (the store may override code entries; that is not this). */
export class DuplicateEntryError extends TqError {
  constructor(entry: string) {
    super('TQ_BEAT_DUPLICATE_ENTRY', `Beat entry "${entry}" is already scheduled; entry names must be unique (they are the key of the persistent state).`);
  }
}

/** A schedule file (JSON) that cannot be read or has the wrong shape; the message names the file and the field. */
export class ScheduleFileError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_BEAT_SCHEDULE_FILE', message, options);
  }
}

/** The beat store (Redis, Postgres) failed; retryable ones are repeated on the next pass. */
export class BeatStoreError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_BEAT_STORE', message, options);
  }
}

/** Map a driver failure to a BeatStoreError at the store boundary, keeping the original as `cause`. */
export function toStoreError(cause: unknown, doing: string, store: string): TqError {
  if (TqError.isInstance(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BeatStoreError(`${store} beat store: ${doing} failed: ${reason}`, { cause, retryable: true });
}
