import type { Duration } from '../util/duration.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { MessageHeaders } from '../contracts/message.js';
import type { TaskEmbed } from '../protocol/task-invocation.js';
import type { RateLimit } from '../util/rate.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** A Standard Schema (zod, valibot, arktype, …) for a task's argument list: a tuple or array schema. */
export type ArgsSchema = StandardSchemaV1<readonly unknown[], readonly unknown[]>;

/** Per-task defaults, given to app.task(). Durations are ms or strings like "10s". */
export interface TaskOptions {
  /** Queue the task is sent to. @default app's defaultQueue ("celery") */
  queue?: string;
  /** 0 (lowest) .. 255; brokers map it onto their levels. */
  priority?: number;
  /** Hard limit: past it the task fails with TimeLimitExceededError. */
  timeLimit?: Duration;
  /** Soft limit: past it the task's AbortSignal fires with SoftTimeLimitExceededError. */
  softTimeLimit?: Duration;
  /** Revoke without running when not started within this long after sending. */
  expires?: Duration;
  /** Don't store results (states are still not written). @default false */
  ignoreResult?: boolean;
  /** Ack after the task finishes instead of before it starts, so a crash redelivers it. @default false */
  acksLate?: boolean;
  /**
   * Celery's rate_limit: at most this many starts per second in each worker (not cluster-wide), as a
   * number or `'10/s'`, `'100/m'`, `'1000/h'`. Deliveries over the limit wait in the worker without
   * taking a concurrency slot. Not applied in eager mode. @default no limit
   */
  rateLimit?: RateLimit;
  /** Retry policy; with it, errors are retried automatically (see RetryPolicy.autoretryFor). */
  retry?: RetryPolicy;
  /**
   * Names of the positional parameters, so keyword arguments from Celery callers map onto them.
   * Without it, non-empty kwargs are passed as one extra trailing object argument.
   */
  argNames?: readonly string[];
  /**
   * A Standard Schema for the argument list (`z.tuple([z.number(), z.number()])`), checked by the
   * worker before running (kwargs mapped through `argNames` first): invalid arguments fail the task
   * with InvalidArgumentsError (TQ_INVALID_ARGUMENTS), never retried. The function receives the
   * schema's output and callers' argument types are the schema's input.
   */
  args?: ArgsSchema;
  /**
   * Also check `args` when a tq producer sends (delay, applyAsync, sendTask): an invalid call rejects
   * with InvalidArgumentsError and nothing is published. @default true
   */
  validateOnSend?: boolean;
}

/** Per-call options, given to applyAsync() or a signature. */
export interface ApplyOptions {
  /** Run no earlier than this long from now. */
  countdown?: Duration;
  /** Run no earlier than this time; wins over countdown. */
  eta?: Date | number;
  /** Revoke when not started by then: a Date or epoch ms, or a Duration from now. */
  expires?: Date | Duration;
  priority?: number;
  queue?: string;
  ignoreResult?: boolean;
  timeLimit?: Duration;
  softTimeLimit?: Duration;
  /** Use this id instead of a generated UUID. */
  taskId?: string;
  /** Check the arguments against the task's `args` schema before publishing. @default the task's validateOnSend (true) */
  validate?: boolean;
  /** Keyword arguments sent beside the positional ones (for Celery tasks). */
  kwargs?: Record<string, unknown>;
  /** Extra headers, e.g. tq_* extensions; unknown headers travel untouched. */
  headers?: MessageHeaders;
  /** Workflow ids, set by the canvas or when calling from inside a task. */
  parentId?: string;
  rootId?: string;
  groupId?: string;
  groupIndex?: number;
  /**
   * Celery's embed (callbacks, errbacks, remaining chain, chord) as signature dicts; set by the
   * canvas. Prefer `sig.link()`, `chain()`, `chord()`.
   */
  embed?: Partial<TaskEmbed>;
}
