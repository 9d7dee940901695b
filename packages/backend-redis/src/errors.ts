import { BackendError, TqError } from '@tq/core';

// Socket-level failures: the same command may well succeed once the connection is back.
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// Server replies that mean "not now" rather than "never": loading a dump, a busy script, failover.
const TRANSIENT_REPLY_PREFIXES = ['LOADING', 'BUSY', 'TRYAGAIN', 'MASTERDOWN', 'READONLY', 'CLUSTERDOWN'];

/** The error's text for quoting inside our sentences: without ioredis's own final period ("Connection is closed."). */
function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.+$/, '');
}

/** True for errors of the connection rather than of the command: refused, reset, closed, retries exhausted. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  // ioredis: MaxRetriesPerRequestError (an AbortError) and "Connection is closed." when the socket is gone.
  return error.name === 'MaxRetriesPerRequestError' || error.name === 'AbortError' || /connection is closed/i.test(error.message);
}

function isTransientReply(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && TRANSIENT_REPLY_PREFIXES.some((prefix) => error.message.startsWith(prefix));
}

/**
 * The error to throw for a failed Redis call: tq errors pass through, ioredis and socket errors
 * become BackendError with the original as `cause`, retryable when repeating it later may succeed.
 */
export function toBackendError(error: unknown, action: string, displayUrl: string): Error {
  if (TqError.isInstance(error)) return error;
  if (isConnectionError(error)) {
    return new BackendError(
      `The Redis result backend ${displayUrl} could not ${action}: ${describe(error)}. Check that Redis is running and reachable at that address; the call can be retried.`,
      { cause: error, retryable: true },
    );
  }
  if (isTransientReply(error)) {
    return new BackendError(`The Redis result backend ${displayUrl} could not ${action} for now: ${describe(error)}.`, { cause: error, retryable: true });
  }
  if (error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('WRONGTYPE')) {
    return new BackendError(
      `The Redis result backend ${displayUrl} could not ${action}: the key holds another kind of value (${describe(error)}). Something else writes under the same key names; give this backend its own keyPrefix or database.`,
      { cause: error },
    );
  }
  return new BackendError(`The Redis result backend ${displayUrl} could not ${action}: ${describe(error)}.`, { cause: error });
}

/** What connect() throws when the server cannot be reached: names the URL (masked) and the fix. */
export function connectError(error: unknown, displayUrl: string): BackendError {
  const reason = describe(error);
  const authFailed = /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(reason);
  const fix = authFailed
    ? 'Check the username and password in the URL (redis://user:password@host:port/db).'
    : 'Check that Redis is running at that host and port and that the URL is right (redis://[:password@]host:6379/db, rediss:// for TLS).';
  return new BackendError(`Cannot connect to the Redis result backend at ${displayUrl}: ${reason}. ${fix}`, {
    cause: error,
    retryable: !authFailed,
  });
}
