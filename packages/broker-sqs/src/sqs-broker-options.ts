import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import type { Clock } from '@tq/core';

export interface SqsBrokerOptions {
  /**
   * `sqs://[region | host:port][?region=&endpoint=&queuePrefix=&waitTimeSeconds=&visibilityTimeout=&createMissingQueues=&maxReceiveCount=]`.
   * Credentials are never taken from the URL: the SDK's default provider chain supplies them
   * (environment, shared config/profile, SSO, container or instance role). Ignored when `client` is given,
   * except for its query options. See the README for the format.
   * @default "sqs://"
   */
  url?: string;
  /** An SQSClient to use instead of building one; the broker never destroys it: its owner does. */
  client?: SQSClient;
  /** Extra SQSClient settings for a client built from `url` (retry mode, request handler, …). Credentials belong in the provider chain. */
  clientConfig?: Omit<SQSClientConfig, 'region' | 'endpoint'>;
  connect?: {
    /**
     * How long one connection attempt to the endpoint may take (the SDK's connectionTimeout); an
     * endpoint nothing answers at fails connect(), publish and consume with BrokerUnreachableError
     * (`TQ_BROKER_UNREACHABLE`) naming host and port. Ignored with `client`.
     * @default 5_000
     */
    timeoutMs?: number;
  };
  /** AWS region, e.g. "eu-west-1". @default the SDK's (AWS_REGION, profile) */
  region?: string;
  /** Endpoint override: an emulator, a VPC endpoint or a FIPS endpoint, e.g. "http://127.0.0.1:9324". */
  endpoint?: string;
  /**
   * Prepended to every queue name, like kombu's `queue_name_prefix` transport option; the result is
   * mangled like kombu ("." → "-", other punctuation → "_").
   * @default ""
   */
  queuePrefix?: string;
  /**
   * Create a queue (and its dead-letter queue, with a redrive policy) the first time it is used.
   * When false, a missing queue is a ConfigurationError naming it.
   * @default true
   */
  createMissingQueues?: boolean;
  /** Attributes for queues this broker creates (strings, as the SQS API takes them), e.g. { KmsMasterKeyId: "alias/aws/sqs" }. */
  queueAttributes?: Record<string, string>;
  deadLetter?: {
    /** Name suffix of each queue's dead-letter queue ("celery" → "celery-dlq"). @default "-dlq" */
    queueSuffix?: string;
    /** Redrive: SQS moves a message to the dead-letter queue after this many receives (crash loops, poison messages). @default 5 */
    maxReceiveCount?: number;
  };
  receive?: {
    /** Long-poll wait of one ReceiveMessage call, 0..20 s. @default 20 */
    waitTimeSeconds?: number;
    /**
     * Concurrent ReceiveMessage calls per queue when prefetch is high (each takes up to 10 messages):
     * min(this, ceil(prefetch / 10)).
     * @default 4
     */
    maxPollersPerQueue?: number;
    /**
     * A receive that has not answered this long is abandoned and re-issued (reported to onError): a
     * half-open connection (dead NAT entry, frozen proxy) would otherwise stall the consumer silently.
     * Messages SQS handed to the abandoned request come back after their visibility timeout.
     * @default waitTimeSeconds * 1000 + 10_000
     */
    requestTimeoutMs?: number;
  };
  lease?: {
    /**
     * Visibility timeout given to each received message, in seconds. While its task runs the broker
     * extends it ahead of expiry (ChangeMessageVisibilityBatch), up to SQS's 12 h limit; a worker that
     * dies stops extending and the message comes back this long after the last extension.
     * @default 30
     */
    visibilityTimeoutSeconds?: number;
    /** How often running messages are extended. @default visibilityTimeoutSeconds * 1000 / 3 */
    extendEveryMs?: number;
  };
  delays?: {
    /**
     * Longest single SQS delay (DelaySeconds, SQS allows 900). A longer deliverAt is delayed in hops
     * of this size, the due time travelling in the `tq-deliver-at` message attribute; lower it only in tests.
     * @default 900
     */
    maxHopSeconds?: number;
  };
  fifo?: {
    /**
     * MessageGroupId for FIFO queues when the message names none (properties.MessageGroupId, as kombu
     * reads it, or the `tq_message_group` header): "task" uses the task name, any other string is used as is.
     * @default "task"
     */
    defaultGroupId?: 'task' | (string & {});
  };
  /** Time source for deliverAt decisions and dead-letter timestamps. Leases use real time. @default systemClock */
  clock?: Clock;
}
