/**
 * Broadcast messaging (ARCHITECTURE §8): what Celery's remote control (pidbox) and events
 * (celeryev) need from a broker, and nothing more. Messages are transient JSON documents with
 * headers, addressed by exchange and routing key the way kombu addresses them, so a tq adapter and a
 * Python kombu transport on the same server see each other's messages.
 *
 * An adapter maps the three exchange types onto its server: AMQP declares them natively; Redis
 * follows kombu (fanout and topic over PUBLISH/PSUBSCRIBE on `/{db}.<exchange>/<routingKey>`,
 * direct over the `_kombu.binding.<exchange>` set and lists); the memory broker keeps them in process.
 * A broker without broadcast (SQS) has no `fanout` and throws UnsupportedError from `requireFanout`.
 */

/** `fanout`: every bound queue gets a copy. `topic`: bound queues whose binding key matches (`*` one word, `#` any). `direct`: binding key equals routing key. */
export type FanoutExchangeType = 'fanout' | 'topic' | 'direct';

export interface FanoutAddress {
  readonly exchange: string;
  readonly type: FanoutExchangeType;
  /** The message's routing key: '' for pidbox requests, the reply queue's key for replies, `task.succeeded` for events. */
  readonly routingKey: string;
  /**
   * Exchange durability, where the server keeps it (AMQP). kombu declares the pidbox exchanges
   * transient and `celeryev` durable, and a server refuses to redeclare an exchange differently, so
   * the protocol helpers in core set it as Celery does. @default false
   */
  readonly durable?: boolean;
}

export interface FanoutMessage {
  /** A JSON value (Celery's pidbox and events use the json serializer). */
  readonly body: unknown;
  /** kombu message headers, e.g. `{ clock, expires }` on a pidbox request, `{ ticket, clock }` on a reply. */
  readonly headers: Readonly<Record<string, unknown>>;
  /** Where it was sent; filled in on receipt. */
  readonly exchange: string;
  readonly routingKey: string;
}

export interface FanoutBinding {
  readonly exchange: string;
  readonly type: FanoutExchangeType;
  /** The queue that receives: a worker's `<hostname>.celery.pidbox`, a client's `<oid>.reply.celery.pidbox`, a receiver's `celeryev.<uuid>`. */
  readonly queue: string;
  /** Binding key: ignored for fanout, a pattern for topic (`#` for everything), the routing key for direct. */
  readonly bindingKey: string;
  /**
   * Delete the queue after this long without a consumer (AMQP `x-expires`; kombu uses 10 s for reply
   * queues). Queues are always transient: non-durable, deleted when their last consumer goes.
   */
  readonly expiresMs?: number;
  /** Drop messages older than this (AMQP `x-message-ttl`). */
  readonly messageTtlMs?: number;
  /**
   * Exchange durability, where the server keeps it (AMQP). kombu declares the pidbox exchanges
   * transient and `celeryev` durable, and a server refuses to redeclare an exchange differently, so
   * the protocol helpers in core set it as Celery does. @default false
   */
  readonly durable?: boolean;
}

/** Receives broadcast messages; it must not throw (a throw is reported to `onError` and the message is dropped). */
export type FanoutHandler = (message: FanoutMessage) => void;

export interface FanoutSubscription {
  /** The queue this subscription reads. */
  readonly queue: string;
  /** Stop receiving and release the queue. Idempotent. */
  close(): Promise<void>;
}

export interface FanoutSubscribeOptions {
  /** A message that cannot be decoded, or a handler that threw. The subscription carries on. */
  onError?: (error: Error) => void;
}

/**
 * At-most-once, transient broadcast. Messages published while a binding has no live subscriber
 * may be lost (that is Celery's semantics too: a worker that is down misses a broadcast, which is
 * why tq stores revokes durably besides broadcasting them).
 */
export interface FanoutTransport {
  /** Resolves once the server has taken the message (not once subscribers have it). */
  publish(address: FanoutAddress, message: { body: unknown; headers?: Readonly<Record<string, unknown>> }): Promise<void>;
  /** Declare the binding and start delivering to `handler`; resolves once messages published from now on will arrive. */
  subscribe(binding: FanoutBinding, handler: FanoutHandler, options?: FanoutSubscribeOptions): Promise<FanoutSubscription>;
}
