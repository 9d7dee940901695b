import type { Clock } from '@tq/core';
import type { SocketOptions } from 'amqplib';

export type AmqpQueueType = 'classic' | 'quorum';

export interface AmqpExchangeDeclaration {
  name: string;
  type: 'direct' | 'topic' | 'fanout' | 'headers';
  /** Queues bound to it; `routingKey` is the binding pattern (ignored by fanout). @default "" */
  bindings?: readonly { queue: string; routingKey?: string }[];
}

export interface AmqpBrokerEvents {
  /** The connection is up again after a loss; topology was re-declared and consumers re-subscribed. */
  onReconnect?: (info: { url: string; attempt: number }) => void;
  /** RabbitMQ stopped reading from the connection (memory or disk alarm): publishes wait, then fail. */
  onBlocked?: (reason: string) => void;
  onUnblocked?: () => void;
  /** Errors the broker recovered from by itself (a lost connection, a closed channel). */
  onError?: (error: Error) => void;
}

export interface AmqpBrokerOptions {
  /**
   * `amqp://user:password@host:port/vhost` or `amqps://…` for TLS. A list is a cluster: the broker
   * connects to the first that answers and fails over to the next when the connection is lost.
   * @default "amqp://guest:guest@127.0.0.1:5672/"
   */
  url?: string | readonly string[];
  /** Extra socket/TLS options for amqplib (CA, client certificate, servername…). */
  socketOptions?: SocketOptions;
  /** AMQP heartbeat in seconds: a dead peer is noticed within about twice this. @default 10 */
  heartbeatSeconds?: number;
  /**
   * Prepended to the names of the dead-letter exchange and the delay levels (`<prefix>_celery_delayed_<n>`,
   * like kombu's prefix), so several apps or tests can share a vhost without sharing their delay topology.
   * @default "" (Celery's own names: `celery_delayed_0..27`, `celery_delayed_delivery`)
   */
  topologyPrefix?: string;
  queues?: {
    /**
     * `quorum` declares queues with `x-queue-type: quorum` (replicated; poison messages dead-lettered
     * after `deliveryLimit`). Python Celery must declare them the same way.
     * @default "classic"
     */
    type?: AmqpQueueType;
    /**
     * Declare queues with `x-max-priority` so priorities are honoured (RabbitMQ recommends ≤ 10).
     * Unset: no priorities (capabilities.priority is false), the queue is declared exactly as
     * kombu declares it by default.
     */
    maxPriority?: number;
    /** Quorum queues only: deliveries before a message is dead-lettered by RabbitMQ. @default 20 */
    deliveryLimit?: number;
    /**
     * Declare queues with `x-dead-letter-exchange` pointing at tq's dead-letter exchange, so messages
     * RabbitMQ itself drops (TTL, delivery limit, overflow) land in the dead-letter queue too.
     * tq's own reject() works either way.
     * @default true for quorum queues, false for classic (so kombu's plain declaration matches)
     */
    serverDeadLettering?: boolean;
    /**
     * `x-consumer-timeout` in ms (RabbitMQ ≥ 3.12 honours the queue argument; older servers use the
     * `consumer_timeout` setting). Unset: the server's setting (30 min by default).
     */
    consumerTimeoutMs?: number;
    /**
     * `x-expires` in ms: RabbitMQ deletes a queue (and its dead-letter queue) unused for this long.
     * For short-lived queues (tests, per-run replies); unset: queues live until deleted.
     */
    expiresMs?: number;
    /** Dead letters kept per queue; the oldest are dropped beyond it. @default 10_000 */
    maxDeadLetters?: number;
  };
  /**
   * Exchanges to declare (with their queue bindings) before the first publish or consume: topic and
   * fanout exchanges for broadcast and pattern routing. Publish to them with `{ exchange, routingKey }`.
   */
  exchanges?: readonly AmqpExchangeDeclaration[];
  delays?: {
    /** Queue type of the delay levels; must match what other clients declared. @default queues.type */
    queueType?: AmqpQueueType;
  };
  publish?: {
    /**
     * How long publish() waits for a lost connection to come back (or a blocked one to unblock)
     * before it rejects with a retryable error.
     * @default 30_000
     */
    timeoutMs?: number;
  };
  connect?: {
    /**
     * How long the first connection may take, all URLs and retries included, before it fails with
     * BrokerUnreachableError (`TQ_BROKER_UNREACHABLE`) naming host and port; also bounds each reconnect
     * attempt. In a URL (the CLI's `--broker`): `?connect_timeout=<seconds>`, as py-amqp spells it.
     * @default 5_000
     */
    timeoutMs?: number;
  };
  reconnect?: {
    /** First wait before reconnecting; doubles up to maxDelayMs, with ±20% jitter. @default 100 */
    initialDelayMs?: number;
    /** @default 5_000 */
    maxDelayMs?: number;
  };
  consume?: {
    /**
     * A consumer with room in its prefetch window that received nothing for this long while its queues
     * hold ready messages re-subscribes on a fresh channel and reports it to onError.
     * @default 30_000
     */
    watchdogMs?: number;
  };
  /**
   * Largest message body accepted; bigger ones are refused before sending with PayloadTooLargeError.
   * Match it to the server's `max_message_size`.
   * @default 134_217_728 (RabbitMQ's default, 128 MiB)
   */
  maxMessageBytes?: number;
  events?: AmqpBrokerEvents;
  /** Time source for delays and dead-letter timestamps. @default systemClock */
  clock?: Clock;
}
