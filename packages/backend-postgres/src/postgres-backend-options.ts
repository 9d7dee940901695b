import type { BackendOptionsBase, Clock } from '@tq/core';
import type { ConnectionOptions } from 'node:tls';
import type { Pool, PoolConfig } from 'pg';

interface PostgresBackendCommonOptions extends BackendOptionsBase {
  /**
   * The schema holding this backend's tables (created by the migrations when missing). Give tenants
   * or tests their own; at most 50 characters, since it is part of the LISTEN channel name.
   * @default 'tq'
   */
  schema?: string;
  /**
   * How long results, saved groups and chord counters are kept, in ms: rows past `expires_at` read
   * as absent at once and are deleted by the cleanup. `Infinity` keeps them.
   * @default 86_400_000 (one day, Celery's result_expires)
   */
  resultExpiresMs?: number;
  /**
   * Apply pending migrations on first use (under an advisory lock, so workers starting together do
   * not race). Set false where the application role may not run DDL, and run `tq migrate` instead.
   * @default true
   */
  migrate?: boolean;
  /**
   * How often this process deletes expired rows, in ms (a batched DELETE, see cleanupBatchSize).
   * 0 turns the periodic cleanup off; `cleanup()` still runs it on demand.
   * @default 300_000 (five minutes)
   */
  cleanupIntervalMs?: number;
  /**
   * Rows deleted per statement by the cleanup, so one run never holds many locks or a long transaction.
   * @default 1_000
   */
  cleanupBatchSize?: number;
  /**
   * How long a write (storeState, saveGroup, chordJoin) keeps retrying while the server cannot be
   * reached (restart, failover), in ms, before it fails with a retryable BackendError. 0 fails at once.
   * @default 15_000
   */
  retryWritesForMs?: number;
  /**
   * Time source for waitFor timeouts and retry delays. Timestamps (date_done, expires_at) are the server's clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * `application_name` of the connections this backend opens (seen in pg_stat_activity); the
   * LISTEN connection gets `:listener` appended.
   * @default 'tq-result-backend'
   */
  applicationName?: string;
}

/** Connect through a URL: the backend creates (and on close() ends) its own pg.Pool. */
export interface PostgresBackendUrlOptions extends PostgresBackendCommonOptions {
  /**
   * `postgres://user:password@host:5432/database` (or `postgresql://`), with libpq-style query
   * parameters such as `sslmode=require|verify-ca|verify-full|disable`, `sslrootcert=…`.
   */
  url: string;
  /**
   * TLS for the connections, as node's tls.connect options (`{ ca, rejectUnauthorized }`), or
   * true for the defaults. Takes precedence over the URL's ssl* parameters, which are then ignored.
   * @default from the URL's sslmode; no TLS without one
   */
  ssl?: boolean | ConnectionOptions;
  /**
   * Further pg.Pool settings (`max`, `idleTimeoutMillis`, `connectionTimeoutMillis`, …).
   * @default { max: 10, connectionTimeoutMillis: 10_000 }
   */
  poolOptions?: Omit<PoolConfig, 'connectionString' | 'ssl'>;
  pool?: undefined;
}

/** Use a pg.Pool you own (to share the application's): the backend queries through it and never ends it. */
export interface PostgresBackendPoolOptions extends PostgresBackendCommonOptions {
  /**
   * Your pool. LISTEN needs one long-lived connection, which the backend opens itself with the
   * pool's connection settings (`pool.options`), so waiters never hold one of your pool's clients.
   */
  pool: Pool;
  url?: undefined;
  ssl?: undefined;
  poolOptions?: undefined;
}

export type PostgresBackendOptions = PostgresBackendUrlOptions | PostgresBackendPoolOptions;
