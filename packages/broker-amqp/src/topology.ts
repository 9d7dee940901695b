import type { Channel } from 'amqplib';
import type { AmqpQueueType } from './amqp-broker-options.js';

/** kombu's native delayed delivery uses 28 bits of seconds: level n holds a message for 2^n s. */
export const DELAY_BITS = 28;
export const MAX_DELAY_SECONDS = 2 ** DELAY_BITS - 1;

export interface TopologySettings {
  readonly prefix: string;
  readonly queueType: AmqpQueueType;
  readonly delayQueueType: AmqpQueueType;
  readonly maxPriority: number | undefined;
  readonly deliveryLimit: number;
  readonly serverDeadLettering: boolean;
  readonly consumerTimeoutMs: number | undefined;
  readonly maxDeadLetters: number;
  readonly expiresMs: number | undefined;
}

/**
 * Names and declarations of everything tq puts on RabbitMQ. Queues are declared as kombu declares
 * them (durable, with a direct exchange of the same name bound by the queue name), plus:
 *
 * - `<queue>.dead-letter`: the queue's dead letters, bound to the direct exchange `<prefix>tq.dead-letter`
 *   by the queue name (its DLX when server-side dead-lettering is on);
 * - the delay levels of Celery 5.5's native delayed delivery: topic exchanges and queues
 *   `celery_delayed_<n>` (TTL 2^n s, dead-lettering to level n-1) and `celery_delayed_delivery`,
 *   to which each queue is bound with 28 `*` words and its own name.
 */
export class Topology {
  constructor(readonly settings: TopologySettings) {}

  get deadLetterExchange(): string {
    return `${this.settings.prefix}tq.dead-letter`;
  }

  deadLetterQueue(queue: string): string {
    return `${queue}.dead-letter`;
  }

  delayLevel(level: number): string {
    return this.settings.prefix === '' ? `celery_delayed_${level}` : `${this.settings.prefix}_celery_delayed_${level}`;
  }

  get delayDeliveryExchange(): string {
    return this.settings.prefix === '' ? 'celery_delayed_delivery' : `${this.settings.prefix}_celery_delayed_delivery`;
  }

  /** The first hop of a delayed message: the highest level's exchange routes by the first bit. */
  get delayEntryExchange(): string {
    return this.delayLevel(DELAY_BITS - 1);
  }

  /** kombu's calculate_routing_key: the delay in seconds as 28 binary digits, dot-separated, then the key. */
  delayRoutingKey(seconds: number, routingKey: string): string {
    return `${seconds.toString(2).padStart(DELAY_BITS, '0').split('').join('.')}.${routingKey}`;
  }

  /** The queue a delayed message is headed for, from its routing key, if it is one of ours. */
  delayedDestination(routingKey: string): string | undefined {
    return /^(?:[01]\.){28}(.+)$/.exec(routingKey)?.[1];
  }

  queueArguments(): Record<string, unknown> {
    const { queueType, maxPriority, deliveryLimit, serverDeadLettering, consumerTimeoutMs } = this.settings;
    const args: Record<string, unknown> = {};
    if (queueType === 'quorum') {
      args['x-queue-type'] = 'quorum';
      args['x-delivery-limit'] = deliveryLimit;
    }
    if (maxPriority !== undefined) args['x-max-priority'] = maxPriority;
    if (serverDeadLettering) args['x-dead-letter-exchange'] = this.deadLetterExchange;
    if (consumerTimeoutMs !== undefined) args['x-consumer-timeout'] = consumerTimeoutMs;
    if (this.settings.expiresMs !== undefined) args['x-expires'] = this.settings.expiresMs;
    return args;
  }

  /** Declare a queue as kombu does (durable), with tq's arguments. */
  async declareQueue(channel: Channel, queue: string): Promise<void> {
    const args = this.queueArguments();
    if (args['x-dead-letter-exchange'] !== undefined) args['x-dead-letter-routing-key'] = queue;
    await channel.assertQueue(queue, { durable: true, arguments: args });
  }

  /** The queue's exchange and binding (kombu's), its dead-letter queue and its delayed-delivery binding. */
  async declareQueueRouting(channel: Channel, queue: string): Promise<void> {
    // A queue that expires takes its exchange along (auto-delete goes with the last binding);
    // otherwise kombu's declaration exactly (durable, not auto-delete).
    await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: this.settings.expiresMs !== undefined });
    await channel.bindQueue(queue, queue, queue);
    await this.declareDeadLetterQueue(channel, queue);
    await channel.bindQueue(queue, this.delayDeliveryExchange, `${'*.'.repeat(DELAY_BITS)}${queue}`);
  }

  async declareDeadLetterQueue(channel: Channel, queue: string): Promise<void> {
    const deadLetters = this.deadLetterQueue(queue);
    await channel.assertExchange(this.deadLetterExchange, 'direct', { durable: true });
    await channel.assertQueue(deadLetters, {
      durable: true,
      arguments: {
        'x-queue-type': this.settings.queueType,
        'x-max-length': this.settings.maxDeadLetters,
        'x-overflow': 'drop-head',
        ...(this.settings.expiresMs !== undefined && { 'x-expires': this.settings.expiresMs }),
      },
    });
    await channel.bindQueue(deadLetters, this.deadLetterExchange, queue);
  }

  /** The delay levels exactly as kombu's declare_native_delayed_delivery_exchanges_and_queues lays them out. */
  async declareDelayLevels(channel: Channel): Promise<void> {
    const queueType = this.settings.delayQueueType;
    for (let level = DELAY_BITS - 1; level >= 0; level--) {
      const name = this.delayLevel(level);
      const deadLetterTo = level > 0 ? this.delayLevel(level - 1) : this.delayDeliveryExchange;
      await channel.assertExchange(name, 'topic', { durable: true });
      const args: Record<string, unknown> = {
        'x-queue-type': queueType,
        'x-overflow': 'reject-publish',
        'x-message-ttl': 2 ** level * 1000,
        'x-dead-letter-exchange': deadLetterTo,
      };
      if (queueType === 'quorum') args['x-dead-letter-strategy'] = 'at-least-once';
      await channel.assertQueue(name, { durable: true, arguments: args });
      // Bit n of the delay is word 27-n of the routing key: set → wait at this level.
      await channel.bindQueue(name, name, `${'*.'.repeat(DELAY_BITS - 1 - level)}1.#`);
    }
    await channel.assertExchange(this.delayDeliveryExchange, 'topic', { durable: true });
    // Bit clear → skip straight to the next level's exchange.
    for (let level = DELAY_BITS - 1; level >= 1; level--) {
      await channel.bindExchange(this.delayLevel(level - 1), this.delayLevel(level), `${'*.'.repeat(DELAY_BITS - 1 - level)}0.#`);
    }
    await channel.bindExchange(this.delayDeliveryExchange, this.delayLevel(0), `${'*.'.repeat(DELAY_BITS - 1)}0.#`);
  }
}
