import { TqError, type TqErrorOptions } from './tq-error.js';

/** A URL or option is wrong; the message names the fix. */
export class ConfigurationError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_CONFIGURATION', message, options);
  }
}

/** A URL scheme no installed adapter registered. */
export class UnknownSchemeError extends TqError {
  readonly scheme: string;
  constructor(scheme: string, message: string) {
    super('TQ_UNKNOWN_SCHEME', message);
    this.scheme = scheme;
  }
}

/** A message that cannot be decoded as a task: bad JSON, missing headers, unsupported protocol. */
export class MalformedMessageError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_MALFORMED_MESSAGE', message, options);
  }
}

/** A content type no registered serializer handles. */
export class UnsupportedContentTypeError extends TqError {
  readonly contentType: string;
  constructor(contentType: string) {
    super(
      'TQ_UNSUPPORTED_CONTENT_TYPE',
      `No serializer for content type "${contentType}". Register one with app.serializers.register(), or send application/json.`,
    );
    this.contentType = contentType;
  }
}

/** A value that the serializer cannot represent (functions, symbols, cyclic objects, bigint). */
export class SerializationError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_SERIALIZATION', message, options);
  }
}

/** A message whose task name is not registered in this worker. */
export class UnknownTaskError extends TqError {
  readonly taskName: string;
  constructor(taskName: string, known: readonly string[] = []) {
    const hint = known.length > 0 ? ` Registered tasks: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}.` : '';
    super('TQ_UNKNOWN_TASK', `Task "${taskName}" is not registered in this app.${hint} Register it with app.task("${taskName}", fn).`);
    this.taskName = taskName;
  }
}

/** A task name registered twice. */
export class DuplicateTaskError extends TqError {
  constructor(taskName: string) {
    super('TQ_DUPLICATE_TASK', `Task "${taskName}" is already registered; task names must be unique within an app.`);
  }
}

/** The adapter cannot do what was asked (e.g. priority on a broker without priorities). */
export class UnsupportedError extends TqError {
  constructor(message: string) {
    super('TQ_UNSUPPORTED', message);
  }
}

/** The broker failed to take or hand out a message; retryable ones are safe to repeat. */
export class BrokerError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_BROKER', message, options);
  }
}

/**
 * A broker could not be reached within its connect timeout (nothing listening, DNS, TLS, a
 * firewall). The message names the host and port and what to check. Retryable: the server may come up.
 */
export class BrokerUnreachableError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_BROKER_UNREACHABLE', message, { retryable: true, ...options });
  }
}

/** The result backend failed to store or read a result. */
export class BackendError extends TqError {
  constructor(message: string, options?: TqErrorOptions) {
    super('TQ_BACKEND', message, options);
  }
}

/** The adapter was used after close(), or before connect() where it cannot connect lazily. */
export class ClosedError extends TqError {
  constructor(what: string) {
    super('TQ_CLOSED', `${what} is closed; create a new one instead of reusing it.`);
  }
}

/** Waiting for something (a result, a drain) took longer than allowed. */
export class TimeoutError extends TqError {
  constructor(message: string) {
    super('TQ_TIMEOUT', message, { retryable: true });
  }
}

/** A task finished in FAILURE; `remote` carries the error as the worker reported it. */
export class TaskFailedError extends TqError {
  readonly taskId: string;
  readonly excType: string;
  readonly excModule: string | undefined;
  readonly remoteTraceback: string | undefined;

  constructor(taskId: string, excType: string, excMessage: string, excModule?: string, traceback?: string) {
    super('TQ_TASK_FAILED', `Task ${taskId} failed: ${excType}: ${excMessage}`);
    this.taskId = taskId;
    this.excType = excType;
    this.excModule = excModule;
    this.remoteTraceback = traceback;
  }
}

/** A task was revoked (expired before it ran, or revoked by request). */
export class TaskRevokedError extends TqError {
  readonly taskId: string;
  constructor(taskId: string, reason: string) {
    super('TQ_TASK_REVOKED', `Task ${taskId} was revoked: ${reason}`);
    this.taskId = taskId;
  }
}

/** The task ran past its hard time limit. */
export class TimeLimitExceededError extends TqError {
  constructor(seconds: number) {
    super('TQ_TIME_LIMIT_EXCEEDED', `Task exceeded its hard time limit of ${seconds}s.`);
  }
}

/** The task ran past its soft time limit; raised into the task through its AbortSignal. */
export class SoftTimeLimitExceededError extends TqError {
  constructor(seconds: number) {
    super('TQ_SOFT_TIME_LIMIT_EXCEEDED', `Task exceeded its soft time limit of ${seconds}s.`);
  }
}

/** A payload larger than the broker accepts. */
export class PayloadTooLargeError extends TqError {
  constructor(size: number, limit: number, where: string) {
    super('TQ_PAYLOAD_TOO_LARGE', `Message of ${size} bytes exceeds the ${limit}-byte limit of ${where}; send a reference (URL, key) instead of the data.`);
  }
}

/** One problem a task's argument schema found: where (`path`, from the argument list) and what. */
export interface ArgumentIssue {
  /** Keys from the argument list down, e.g. [0, 'email'] for the first argument's email. Empty for the list itself. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Arguments that do not match the task's `args` schema, found before publishing (send-side
 * validation) or before running (the worker). A FAILURE that is never retried: the same
 * arguments fail the same way every time.
 */
export class InvalidArgumentsError extends TqError {
  readonly taskName: string;
  readonly issues: readonly ArgumentIssue[];

  constructor(taskName: string, issues: readonly ArgumentIssue[]) {
    const shown = issues.slice(0, 10).map((issue) => `${formatArgumentPath(issue.path)}: ${issue.message}`);
    if (issues.length > 10) shown.push(`… ${issues.length - 10} more`);
    super(
      'TQ_INVALID_ARGUMENTS',
      `Invalid arguments for task "${taskName}": ${shown.join('; ')}. Send arguments that match the task's args schema.`,
    );
    this.taskName = taskName;
    this.issues = issues;
  }
}

/** `args[0].email`: where in the argument list an issue is. */
export function formatArgumentPath(path: readonly (string | number)[]): string {
  let text = 'args';
  for (const key of path) text += typeof key === 'number' || /^\d+$/.test(key) ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return text;
}
