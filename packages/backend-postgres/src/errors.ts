import { BackendError, ConfigurationError, SerializationError, TqError } from '@tq/core';

// Socket-level failures: the same statement may well succeed once the server is back.
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// SQLSTATEs that mean "not now" rather than "never": connection exceptions (class 08), the server
// shutting down or starting up (57P01–57P03), too many connections, lost serialization races.
const RETRYABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
// The schema, a table or a function of ours is missing: the migrations have not run.
const MISSING_SCHEMA_SQLSTATES = new Set(['3F000', '42P01', '42883']);
const AUTH_SQLSTATES = new Set(['28000', '28P01']);
// pg's own messages when the socket went away under a query or while connecting.
const PG_CONNECTION_MESSAGES = /connection terminated|connection (?:is )?closed|not queryable|timeout exceeded when trying to connect|connection timeout|server closed the connection/i;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The SQLSTATE of a server error (`code`, five characters); undefined for socket and client errors. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for errors of the connection rather than of the statement: refused, reset, terminated, shutting down. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return true;
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) return sqlState.startsWith('08') || RETRYABLE_SQLSTATES.has(sqlState);
  return PG_CONNECTION_MESSAGES.test(error.message);
}

/**
 * The error to throw for a failed statement: tq errors pass through, pg and socket errors become
 * typed tq errors naming the fix, with the original (and its SQLSTATE `code`) as `cause`.
 */
export function toBackendError(error: unknown, action: string, displayUrl: string): Error {
  if (TqError.isInstance(error)) return error;
  const where = `The PostgreSQL result backend ${displayUrl} could not ${action}`;
  const sqlState = sqlStateOf(error);
  if (isConnectionError(error)) {
    return new BackendError(`${where}: ${describe(error)}. Check that PostgreSQL is running and reachable; the call can be retried.`, { cause: error, retryable: true });
  }
  if (sqlState !== undefined && MISSING_SCHEMA_SQLSTATES.has(sqlState)) {
    return new ConfigurationError(
      `${where}: ${describe(error)}. The backend's tables are missing or out of date: run \`tq migrate --result-backend <url>\` (or leave the migrate option on so the backend applies its migrations itself).`,
      { cause: error },
    );
  }
  if (sqlState !== undefined && AUTH_SQLSTATES.has(sqlState)) {
    return new ConfigurationError(`${where}: ${describe(error)}. Check the user and password in the URL (postgres://user:password@host:5432/db).`, { cause: error });
  }
  if (sqlState === '3D000') {
    return new ConfigurationError(`${where}: ${describe(error)}. Create the database (createdb) or fix its name in the URL path.`, { cause: error });
  }
  if (sqlState === '42501') {
    return new ConfigurationError(
      `${where}: ${describe(error)}. Grant the role the privileges it needs on the backend's schema, or run \`tq migrate\` as a role that may create it and set migrate: false.`,
      { cause: error },
    );
  }
  if (sqlState === '22P05' || sqlState === '22P02' || sqlState === '54000') {
    return new SerializationError(`${where}: ${describe(error)}. PostgreSQL's jsonb cannot hold this value (a \\u0000 in a string, or a document over its size limits).`, { cause: error });
  }
  return new BackendError(`${where}: ${describe(error)}${sqlState === undefined ? '' : ` (SQLSTATE ${sqlState})`}.`, { cause: error });
}

/** What connect() throws when the server cannot be reached or refuses us: names the URL (masked) and the fix. */
export function connectError(error: unknown, displayUrl: string): Error {
  if (TqError.isInstance(error)) return error;
  const mapped = toBackendError(error, 'connect', displayUrl);
  if (!isConnectionError(error)) return mapped;
  return new BackendError(
    `Cannot connect to the PostgreSQL result backend at ${displayUrl}: ${describe(error)}. Check that PostgreSQL is running at that host and port and that the URL is right (postgres://user:password@host:5432/database).`,
    { cause: error, retryable: true },
  );
}
