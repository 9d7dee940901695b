import type { Pool, PoolConfig } from 'pg';

export interface PostgresBeatStoreOptions {
  /** `postgres://user:password@host:5432/db`. Ignored when `pool` is given. @default "postgres://postgres@127.0.0.1:5432/postgres" */
  url?: string;
  /** A pg Pool to use instead of connecting from `url`; the store never ends it. */
  pool?: Pool;
  /** Extra pg pool options for the pool built from `url`. */
  poolConfig?: PoolConfig;
  /**
   * Schema holding the store's tables (`lease`, `last_run`, `entries`), created on connect if
   * missing. Beats sharing a schema share one schedule and one leader.
   * @default "tq_beat"
   */
  schema?: string;
}
