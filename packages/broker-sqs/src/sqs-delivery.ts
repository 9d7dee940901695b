import { ConfigurationError, type BrokerMessage, type DeadLetterReason, type Delivery } from '@tq/core';

/** How a delivery was settled; the consumer applies it on SQS. */
export type Settlement = { kind: 'ack' } | { kind: 'requeue' } | { kind: 'dead-letter'; reason: DeadLetterReason };

/** The reason kept when a message is nacked without requeue; named like RabbitMQ's x-death reason. */
export const NACKED_REASON: DeadLetterReason = {
  code: 'rejected',
  message: 'The consumer nacked the message without requeue; republish it once the cause is fixed.',
};

export interface SqsDeliveryInit {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly deliveryCount: number;
  /** Applies the settlement once; later calls (or calls after the consumer was lost) do nothing. */
  readonly settle: (settlement: Settlement) => Promise<void>;
}

export class SqsDelivery implements Delivery {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly redelivered: boolean;
  /** SQS's ApproximateReceiveCount: every receive of the message, this one included. */
  readonly deliveryCount: number;
  readonly #settle: (settlement: Settlement) => Promise<void>;

  constructor(init: SqsDeliveryInit) {
    this.message = init.message;
    this.queue = init.queue;
    this.deliveryCount = init.deliveryCount;
    this.redelivered = init.deliveryCount > 1;
    this.#settle = init.settle;
  }

  ack(): Promise<void> {
    return this.#settle({ kind: 'ack' });
  }

  nack(options: { requeue?: boolean } = {}): Promise<void> {
    return this.#settle(options.requeue === false ? { kind: 'dead-letter', reason: NACKED_REASON } : { kind: 'requeue' });
  }

  async reject(reason: DeadLetterReason): Promise<void> {
    if (typeof reason?.code !== 'string' || typeof reason.message !== 'string') {
      throw new ConfigurationError('reject(reason) needs { code: string, message: string }, e.g. { code: "TQ_UNKNOWN_TASK", message: "…" }.');
    }
    return this.#settle({ kind: 'dead-letter', reason: { code: reason.code, message: reason.message } });
  }
}
