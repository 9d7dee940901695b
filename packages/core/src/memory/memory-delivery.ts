import type { DeadLetterReason, Delivery } from '../contracts/broker.js';
import type { BrokerMessage } from '../contracts/message.js';
import { ConfigurationError } from '../errors/errors.js';

/** How a delivery was settled; the consumer applies it to the store. */
export type Settlement = { kind: 'ack' } | { kind: 'requeue' } | { kind: 'dead-letter'; reason: DeadLetterReason };

/** The reason kept when a message is nacked without requeue; named like RabbitMQ's x-death reason. */
export const NACKED_REASON: DeadLetterReason = {
  code: 'rejected',
  message: 'The consumer nacked the message without requeue; republish it once the cause is fixed.',
};

export interface DeliveryInit {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  /** Applies the settlement once; later calls (or calls after the message was given back) do nothing. */
  readonly settle: (settlement: Settlement) => void;
}

export class MemoryDelivery implements Delivery {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  readonly #settle: (settlement: Settlement) => void;

  constructor(init: DeliveryInit) {
    this.message = init.message;
    this.queue = init.queue;
    this.redelivered = init.redelivered;
    this.deliveryCount = init.deliveryCount;
    this.#settle = init.settle;
  }

  async ack(): Promise<void> {
    this.#settle({ kind: 'ack' });
  }

  async nack(options: { requeue?: boolean } = {}): Promise<void> {
    this.#settle(options.requeue === false ? { kind: 'dead-letter', reason: NACKED_REASON } : { kind: 'requeue' });
  }

  async reject(reason: DeadLetterReason): Promise<void> {
    if (typeof reason?.code !== 'string' || typeof reason.message !== 'string') {
      throw new ConfigurationError('reject(reason) needs { code: string, message: string }, e.g. { code: "TQ_UNKNOWN_TASK", message: "…" }.');
    }
    this.#settle({ kind: 'dead-letter', reason: { code: reason.code, message: reason.message } });
  }
}
