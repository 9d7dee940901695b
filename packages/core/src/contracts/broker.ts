import type { FanoutTransport } from './fanout.js';
import type { BrokerMessage } from './message.js';

/**
 * The broker contract (ARCHITECTURE §3). Every semantic here is a case in
 * @tq/testing's brokerConformance suite.
 */

export interface BrokerCapabilities {
  /** Number of distinct priority levels honoured, or false: publishing with a priority then throws UnsupportedError. */
  priority: false | { levels: number };
  /** Delayed delivery (countdown/eta) is stored broker-side. `maxDelayMs` is the longest single delay; longer ones are re-delayed by the adapter. */
  delayedDelivery: { maxDelayMs: number } | false;
  /** reject() moves the message to a dead-letter place that keeps the reason. */
  deadLetter: boolean;
  /** Unacked messages of a consumer that died come back, marked redelivered. */
  redeliveryOnConsumerLoss: boolean;
  /** Broadcast for remote control and events: true exactly when `broker.fanout` is present. */
  fanout?: boolean;
  /** Largest message body accepted, in bytes, or undefined for no fixed limit. */
  maxMessageBytes?: number;
}

export interface PublishOptions {
  /** Destination queue. */
  queue: string;
  /** AMQP-style routing: exchange and routing key. Brokers without exchanges route by queue. */
  exchange?: string;
  routingKey?: string;
  /**
   * 0 (lowest) .. 255; adapters map it onto their levels in equal bands, and the delivered
   * properties.priority is the value given here. Overrides properties.priority.
   */
  priority?: number;
  /** Deliver no earlier than this time (epoch ms). Stored broker-side, never held by a worker. */
  deliverAt?: number;
}

export interface DeadLetterReason {
  /** Stable reason code, e.g. "TQ_UNKNOWN_TASK", "TQ_MALFORMED_MESSAGE", "rejected". */
  code: string;
  /** Human-readable text naming the fix. */
  message: string;
}

export interface DeadLetter {
  message: BrokerMessage;
  queue: string;
  reason: DeadLetterReason;
  /** Epoch ms when it was dead-lettered. */
  deadAt: number;
}

export interface Delivery {
  readonly message: BrokerMessage;
  readonly queue: string;
  /** True when the message was handed out before and not acked (consumer loss, nack). */
  readonly redelivered: boolean;
  /** How many times this message has been delivered, this delivery included (1 = first). */
  readonly deliveryCount: number;
  /**
   * False once this delivery can no longer be settled because its channel, connection or lease is
   * gone (the broker has given the message back and will deliver it again). A worker must not start
   * a delivery that is no longer live: it would run a duplicate. Absent means always live.
   */
  readonly live?: boolean;
  /**
   * Remove the message from the broker. Settling twice is a no-op, and so is settling after the
   * consumer's lease was lost (the message has gone back to the queue and will be redelivered).
   */
  ack(): Promise<void>;
  /** Give the message back: to the queue (`requeue`, default true), or dead-letter it when requeue is false. */
  nack(options?: { requeue?: boolean }): Promise<void>;
  /** Move the message to the dead-letter place with the reason attached (only where capabilities.deadLetter; otherwise it is dropped and the adapter logs the reason). */
  reject(reason: DeadLetterReason): Promise<void>;
}

/** Receives deliveries; it must not throw (a throw leaves the delivery unsettled and is reported to onError). */
export type DeliveryHandler = (delivery: Delivery) => void;

export interface ConsumeOptions {
  /** At most this many unacked deliveries at once for this consumer. */
  prefetch: number;
  /** Called for errors the consumer recovers from by itself (a reconnect, a failed renewal). */
  onError?: (error: Error) => void;
  /** Called when the consumer loses its connection to the broker, on each retry, and once it is back. */
  onConnectionChange?: (change: ConnectionChange) => void;
}

/**
 * A consumer's connection lifecycle, so a worker can log and emit an outage: `lost` once when the
 * connection goes, `retrying` before each attempt to get it back, `restored` once consumption resumes.
 */
export type ConnectionChange =
  | { readonly state: 'lost'; readonly cause: Error; readonly at: number }
  | { readonly state: 'retrying'; readonly attempt: number; readonly delayMs: number; readonly cause?: Error }
  | { readonly state: 'restored'; readonly outageMs: number };

export interface Consumer {
  readonly queues: readonly string[];
  /** Number of deliveries handed out and not yet settled. */
  readonly unsettled: number;
  /**
   * Stop receiving, then wait up to `deadlineMs` for unsettled deliveries to be settled;
   * whatever is still unsettled after that goes back to its queue (redelivered later). @default deadlineMs 0
   */
  cancel(options?: { deadlineMs?: number }): Promise<void>;
}

export interface QueueStats {
  ready: number;
  inFlight: number;
  delayed: number;
  dead: number;
}

export interface Broker {
  readonly specificationVersion: 'v1';
  /** Adapter name, e.g. "memory", "redis". */
  readonly name: string;
  readonly capabilities: BrokerCapabilities;
  /** A URL for banners and logs, with credentials masked. */
  readonly displayUrl: string;
  /** Broadcast messaging (Celery's pidbox and events), where the server has it; see contracts/fanout.ts. */
  readonly fanout?: FanoutTransport;
  /**
   * How long the server lets a delivery stay unacked before it takes it back and closes the channel
   * (RabbitMQ's consumer_timeout), in ms, when known. A worker warns at start about acksLate tasks
   * whose time limit is longer. Leases a broker renews itself (Redis, SQS) leave it undefined.
   */
  readonly ackTimeoutMs?: number;
  /** Idempotent; other methods connect lazily, so calling it only surfaces errors early. */
  connect(): Promise<void>;
  /** Resolves only once the broker has durably taken the message (ARCHITECTURE §3.1). */
  publish(message: BrokerMessage, options: PublishOptions): Promise<void>;
  /** Start pushing deliveries from these queues to `handler`, no more than `prefetch` unsettled. */
  consume(queues: readonly string[], handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer>;
  stats(queue: string): Promise<QueueStats>;
  /** Remove every ready and delayed message of the queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** The newest dead letters of a queue, newest first, without removing them. @default limit 100 */
  deadLetters(queue: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Cancel consumers (returning unsettled messages after `deadlineMs`) and release connections. */
  close(options?: { deadlineMs?: number }): Promise<void>;
}
