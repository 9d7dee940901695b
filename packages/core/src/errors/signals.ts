import { TqError } from './tq-error.js';

/**
 * Signal errors: thrown by a task (or by the context helpers) to steer the worker
 * instead of reporting a failure. Their names match Celery's so logs read the same.
 */

export interface RetryOptions {
  /** Delay before the retry, in ms; defaults to the task's retry policy. */
  countdown?: number;
  /** Absolute time of the retry; wins over countdown. */
  eta?: Date;
  /** The error that caused the retry, reported in the RETRY state. */
  cause?: unknown;
  /** Overrides the task's retry.max for this decision. */
  max?: number;
}

/** Ask the worker to run the task again later (state RETRY). */
export class Retry extends TqError {
  readonly countdown: number | undefined;
  readonly eta: Date | undefined;
  readonly max: number | undefined;
  constructor(options: RetryOptions = {}) {
    super('TQ_RETRY', `Retry requested${options.cause instanceof Error ? `: ${options.cause.message}` : ''}`, { cause: options.cause });
    this.countdown = options.countdown;
    this.eta = options.eta;
    this.max = options.max;
  }
}

/** Refuse the message: dead-letter it with a reason, or requeue it for another worker. */
export class Reject extends TqError {
  readonly requeue: boolean;
  constructor(reason: string, options: { requeue?: boolean } = {}) {
    super('TQ_REJECT', reason);
    this.requeue = options.requeue ?? false;
  }
}

/** Acknowledge the message and record nothing (no state change). */
export class Ignore extends TqError {
  constructor(reason = 'ignored by task') {
    super('TQ_IGNORE', reason);
  }
}

/** Fail at once, skipping any retry the policy would otherwise allow. */
export class Unrecoverable extends TqError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('TQ_UNRECOVERABLE', message, options);
  }
}
