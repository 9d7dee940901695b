import type { BackendOptionsBase, Clock } from '@tq/core';
import type { Redis } from 'ioredis';

interface RedisBackendCommonOptions extends BackendOptionsBase {
  /**
   * Prepended to every key and channel this backend uses. Leave it empty to share results with
   * Python Celery, whose Redis backend (5.2) has no prefix option; set it to give tenants or tests
   * their own namespace on one database.
   * @default ''
   */
  keyPrefix?: string;
  /**
   * How long results, saved groups and chord counters are kept, in ms (a Redis PX expiry);
   * `Infinity` stores them without an expiry.
   * @default 86_400_000 (one day, Celery's result_expires)
   */
  resultExpiresMs?: number;
  /**
   * Time source for date_done and waitFor timeouts. Expiry is Redis's own clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The name the connections this backend opens show in CLIENT LIST; the pub/sub connection gets
   * `:subscriber` appended. Not applied to an injected client, whose name is yours.
   * @default 'tq-result-backend'
   */
  connectionName?: string;
}

/** Connect through a URL: the backend opens (and on close() quits) its own connections. */
export interface RedisBackendUrlOptions extends RedisBackendCommonOptions {
  /**
   * `redis://[[username]:password@]host[:port][/db]`, or `rediss://…` for TLS.
   * Python Celery's `result_backend` URL works unchanged.
   */
  url: string;
  client?: undefined;
}

/** Use a client you own: the backend runs its commands on it and never closes it. */
export interface RedisBackendClientOptions extends RedisBackendCommonOptions {
  /**
   * An ioredis client. waitFor needs a second connection for pub/sub, which the backend makes with
   * `client.duplicate()` and closes itself. The client must not have ioredis's own `keyPrefix`
   * (ioredis prefixes keys but not pub/sub channels); use this backend's `keyPrefix` instead.
   */
  client: Redis;
  url?: undefined;
}

export type RedisBackendOptions = RedisBackendUrlOptions | RedisBackendClientOptions;
