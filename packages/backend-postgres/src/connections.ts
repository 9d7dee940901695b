import { ConfigurationError, maskUrl } from '@tq/core';
import pg from 'pg';
import type { PostgresBackendOptions } from './postgres-backend-options.js';

const DEFAULT_APPLICATION_NAME = 'tq-result-backend';
const URL_EXAMPLE = 'postgres://user:password@host:5432/database (postgresql:// works too; ?sslmode=require for TLS)';
// libpq-style TLS parameters pg reads from the URL; dropped when the `ssl` option says it instead,
// because pg lets the URL's parsed settings win over explicit ones.
const URL_SSL_PARAMETERS = ['ssl', 'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'sslnegotiation', 'uselibpqcompat'];

/** The pool a backend queries through, whether it owns it, and how to open the LISTEN connection. */
export interface BackendConnections {
  readonly pool: pg.Pool;
  /** True when the backend created the pool and so must end it. */
  readonly owned: boolean;
  readonly displayUrl: string;
  /** A new, unconnected client to the same server for LISTEN; always owned by the backend. */
  createListener(): pg.Client;
}

export function openConnections(options: PostgresBackendOptions): BackendConnections {
  const applicationName = options.applicationName ?? DEFAULT_APPLICATION_NAME;
  if (options.pool !== undefined && options.url !== undefined) {
    throw new ConfigurationError('Pass either url or pool to createPostgresBackend, not both.');
  }
  if (options.pool !== undefined) {
    const pool = options.pool;
    const config: pg.ClientConfig = { ...pool.options, application_name: `${applicationName}:listener`, keepAlive: true };
    return { pool, owned: false, displayUrl: describePool(pool), createListener: () => new pg.Client(config) };
  }
  const connectionString = connectionStringFor(options.url, options.ssl !== undefined);
  const base: pg.PoolConfig = {
    max: 10,
    connectionTimeoutMillis: 10_000,
    ...options.poolOptions,
    connectionString,
    ...(options.ssl !== undefined && { ssl: options.ssl }),
  };
  const pool = new pg.Pool({ application_name: applicationName, keepAlive: true, ...base });
  // An idle client whose server went away (restart, failover) emits 'error' on the pool; pg then
  // discards it and the next query opens a new one. Unhandled, the event would crash the process.
  pool.on('error', () => undefined);
  return {
    pool,
    owned: true,
    displayUrl: maskUrl(options.url),
    createListener: () => new pg.Client({ ...base, application_name: `${applicationName}:listener`, keepAlive: true }),
  };
}

function connectionStringFor(url: unknown, sslFromOptions: boolean): string {
  if (typeof url !== 'string' || url === '') {
    throw new ConfigurationError(`createPostgresBackend needs a url such as ${URL_EXAMPLE}, or a pg.Pool.`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigurationError(`Invalid PostgreSQL result backend URL "${maskUrl(url)}": expected ${URL_EXAMPLE}.`, { cause });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigurationError(`Invalid PostgreSQL result backend URL "${maskUrl(url)}": the scheme must be postgres:// or postgresql://, e.g. ${URL_EXAMPLE}.`);
  }
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null && !['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'].includes(sslmode)) {
    throw new ConfigurationError(`Invalid sslmode "${sslmode}" in "${maskUrl(url)}": use disable, require, verify-ca or verify-full.`);
  }
  if (!sslFromOptions) return url;
  for (const name of URL_SSL_PARAMETERS) parsed.searchParams.delete(name);
  return parsed.toString();
}

function describePool(pool: pg.Pool): string {
  const { connectionString, host, port, database } = pool.options;
  if (typeof connectionString === 'string' && connectionString !== '') return maskUrl(connectionString);
  return `postgres://${host ?? 'localhost'}:${port ?? 5432}/${database ?? ''}`;
}
