/**
 * What a broker carries: an opaque body plus the AMQP-shaped headers and properties
 * that Celery's protocol v2 uses. Brokers map these onto their own wire layout
 * (AMQP frames, kombu's JSON envelope on Redis and SQS) and hand the same shape back.
 */

/** Header values are JSON-compatible; unknown headers must be kept as they are. */
export type HeaderValue = string | number | boolean | null | HeaderValue[] | { [key: string]: HeaderValue };
export type MessageHeaders = Record<string, HeaderValue | undefined>;

export interface MessageProperties {
  /** Celery sets this to the task id. */
  correlationId?: string;
  replyTo?: string;
  /** 0..255 on the wire; brokers map it onto their own levels. */
  priority?: number;
  /** 2 = persistent (Celery's default). */
  deliveryMode?: 1 | 2;
  /** Keep whatever else the producer set, for round trips. */
  [extra: string]: unknown;
}

/** A serialized message ready to publish or just received. */
export interface BrokerMessage {
  body: Uint8Array;
  contentType: string;
  contentEncoding: string;
  headers: MessageHeaders;
  properties: MessageProperties;
}
