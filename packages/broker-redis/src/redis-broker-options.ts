import type { Clock } from '@tq/core';
import type { Redis, RedisOptions } from 'ioredis';

export interface RedisBrokerOptions {
  /**
   * `redis://[user:password@]host:port/db` or `rediss://…` for TLS. Ignored when `client` is given.
   * @default "redis://127.0.0.1:6379/0"
   */
  url?: string;
  /**
   * An ioredis client to use instead of connecting from `url`. The broker duplicates it for its
   * blocking connections and never quits it: its owner does.
   */
  client?: Redis;
  /** Extra ioredis options for connections built from `url` (TLS certificates, timeouts…). */
  redisOptions?: RedisOptions;
  /**
   * Prepended to every key: the kombu queue lists and tq's own keys. Python Celery sees the same
   * queues only with a matching `global_keyprefix` transport option.
   * @default ""
   */
  keyPrefix?: string;
  /**
   * Deliveries of one message before it is dead-lettered with `TQ_DELIVERY_LIMIT` instead of
   * delivered again: a message whose consumer keeps losing its lease (a crash loop, or a task that
   * blocks the event loop longer than `lease.leaseMs`) or that keeps being requeued. Also
   * `?delivery_limit=<n>` in the URL.
   * @default 10
   */
  deliveryLimit?: number;
  connect?: {
    /**
     * How long connect(), a publish or a consumer start waits for an unreachable Redis before
     * failing with BrokerUnreachableError (`TQ_BROKER_UNREACHABLE`) naming host and port. Once
     * connected, an outage is waited out (and reported through onConnectionChange). Also
     * `?connect_timeout=<seconds>` in the URL.
     * @default 5_000
     */
    timeoutMs?: number;
  };
  lease?: {
    /**
     * How long a consumer's lease lasts without renewal. A consumer that stops renewing (crash,
     * kill -9, partition) gets its unacked messages redelivered this long after its last renewal.
     * @default 30_000
     */
    leaseMs?: number;
    /** How often a live consumer renews its lease and reaps expired ones. @default leaseMs / 3 */
    renewEveryMs?: number;
  };
  consume?: {
    /**
     * How long one blocking wait for new messages lasts before it is re-issued (the block is not a
     * poll: it returns as soon as a message arrives).
     * @default 5_000
     */
    blockTimeoutMs?: number;
    /**
     * A consumer with free prefetch capacity that has received nothing for this long while its
     * queues hold ready messages recreates its blocking connections and reports it to onError.
     * @default 30_000
     */
    watchdogMs?: number;
    /**
     * Longest wait between two checks for due delayed messages. Messages delayed through this
     * broker instance are promoted on time; this bounds the lateness of ones delayed elsewhere.
     * @default 1_000
     */
    delayedCheckMs?: number;
  };
  limits?: {
    /** Dead letters kept per queue; the oldest are dropped beyond it. @default 10_000 */
    maxDeadLettersPerQueue?: number;
  };
  /** Time source for deliverAt and dead-letter timestamps (leases use the Redis server's clock). @default systemClock */
  clock?: Clock;
  /** Identifies this process's consumers in Redis (lease members, in-flight keys). @default "<hostname>:<pid>:<random>" */
  consumerIdPrefix?: string;
}
