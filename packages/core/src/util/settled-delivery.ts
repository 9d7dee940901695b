import type { DeadLetterReason, Delivery } from '../contracts/broker.js';
import type { BrokerMessage } from '../contracts/message.js';
import { ConfigurationError } from '../errors/errors.js';

/** How a delivery was settled; the adapter's consumer applies it to its store. */
export type Settlement = { kind: 'ack' } | { kind: 'requeue' } | { kind: 'dead-letter'; reason: DeadLetterReason };

/** The reason kept when a message is nacked without requeue; named like RabbitMQ's x-death reason. */
export const NACKED_REASON: DeadLetterReason = {
  code: 'rejected',
  message: 'The consumer nacked the message without requeue; republish it once the cause is fixed.',
};

export interface SettledDeliveryInit {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  /**
   * Applies the settlement to the adapter's store. The consumer makes it settle-once: later calls
   * (or calls after the message was given back, the lease lost or the channel closed) do nothing.
   */
  readonly settle: (settlement: Settlement) => void | Promise<void>;
  /** The reason `nack({ requeue: false })` dead-letters with. @default NACKED_REASON */
  readonly nackedReason?: DeadLetterReason;
  /** Whether the delivery can still be settled (its channel or lease is alive). @default always true */
  readonly isLive?: () => boolean;
}

/**
 * The Delivery every broker hands out: ack / nack / reject mapped to one Settlement, with reject's
 * reason checked the same way everywhere. Adapters differ only in what `settle` does.
 */
export class SettledDelivery implements Delivery {
  readonly message: BrokerMessage;
  readonly queue: string;
  readonly redelivered: boolean;
  readonly deliveryCount: number;
  readonly #settle: (settlement: Settlement) => void | Promise<void>;
  readonly #nackedReason: DeadLetterReason;
  readonly #isLive: (() => boolean) | undefined;

  constructor(init: SettledDeliveryInit) {
    this.message = init.message;
    this.queue = init.queue;
    this.redelivered = init.redelivered;
    this.deliveryCount = init.deliveryCount;
    this.#settle = init.settle;
    this.#nackedReason = init.nackedReason ?? NACKED_REASON;
    this.#isLive = init.isLive;
  }

  get live(): boolean {
    return this.#isLive === undefined || this.#isLive();
  }

  async ack(): Promise<void> {
    await this.#settle({ kind: 'ack' });
  }

  async nack(options: { requeue?: boolean } = {}): Promise<void> {
    await this.#settle(options.requeue === false ? { kind: 'dead-letter', reason: this.#nackedReason } : { kind: 'requeue' });
  }

  async reject(reason: DeadLetterReason): Promise<void> {
    if (typeof reason?.code !== 'string' || typeof reason.message !== 'string') {
      throw new ConfigurationError('reject(reason) needs { code: string, message: string }, e.g. { code: "TQ_UNKNOWN_TASK", message: "…" }.');
    }
    await this.#settle({ kind: 'dead-letter', reason: { code: reason.code, message: reason.message } });
  }
}
