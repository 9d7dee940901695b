import type { Redis, RedisOptions } from 'ioredis';

export interface RedisBeatStoreOptions {
  /** `redis://[user:password@]host:port/db` or `rediss://…`. Ignored when `client` is given. @default "redis://127.0.0.1:6379/0" */
  url?: string;
  /** An ioredis client to use instead of connecting from `url`; the store never quits it. */
  client?: Redis;
  /** Extra ioredis options for the connection built from `url`. */
  redisOptions?: RedisOptions;
  /**
   * Prepended to the store's keys (`<prefix>lease`, `<prefix>fence`, `<prefix>last-run`,
   * `<prefix>entries`); beats sharing a prefix share one schedule and one leader. On Redis Cluster
   * use a hash tag, e.g. "{myapp}:beat:", so the scripts' keys live on one slot.
   * @default "tq:beat:"
   */
  keyPrefix?: string;
}
