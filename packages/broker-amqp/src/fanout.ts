import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  ConfigurationError,
  MalformedMessageError,
  encodeFanoutBody,
  type FanoutAddress,
  type FanoutBinding,
  type FanoutHandler,
  type FanoutSubscribeOptions,
  type FanoutSubscription,
  type FanoutTransport,
} from '@tq/core';
import type { AmqpConnection } from './connection.js';
import { asError, toBrokerError } from './errors.js';

/** What the fanout needs of the broker: its connection and how long to wait for one. */
export interface FanoutContext {
  readonly connection: AmqpConnection;
  readonly waitMs: number;
}

interface OpenSubscription {
  readonly binding: FanoutBinding;
  readonly handler: FanoutHandler;
  readonly onError: ((error: Error) => void) | undefined;
  channel: Channel | undefined;
  closed: boolean;
}

/** AMQP's 406 PRECONDITION_FAILED: the exchange exists with other properties (declared by Celery, say). */
const PRECONDITION_FAILED = 406;

/**
 * Broadcast on RabbitMQ's own exchanges, declared as kombu declares them (transient messages,
 * `durable` per exchange, auto-delete queues with x-expires / x-message-ttl), so tq and Python Celery
 * processes exchange pidbox requests, replies and events. Subscriptions come back after a reconnect.
 */
export class AmqpFanout implements FanoutTransport {
  private publishChannel: Promise<ConfirmChannel> | undefined;
  private readonly declaredExchanges = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<OpenSubscription>();

  constructor(private readonly context: FanoutContext) {
    context.connection.onConnected((model, generation) => {
      if (generation === 1) return;
      // Channels and declarations died with the old connection.
      this.publishChannel = undefined;
      this.declaredExchanges.clear();
      for (const subscription of this.subscriptions) {
        subscription.channel = undefined;
        this.open(model, subscription).catch((error: unknown) => subscription.onError?.(asError(error)));
      }
    });
  }

  /** Like broker.publish, rides out a reconnect: retried until `waitMs` has passed. */
  async publish(address: FanoutAddress, message: { body: unknown; headers?: Readonly<Record<string, unknown>> }): Promise<void> {
    const content = Buffer.from(encodeFanoutBody(message.body));
    const deadline = Date.now() + this.context.waitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publishOnce(address, content, message.headers ?? {});
        return;
      } catch (error) {
        const mapped = toBrokerError(error, `broadcasting on the exchange "${address.exchange}"`);
        if (!mapped.retryable || Date.now() >= deadline) throw mapped;
        this.publishChannel = undefined;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 25 * 2 ** attempt)));
      }
    }
  }

  private async publishOnce(address: FanoutAddress, content: Buffer, headers: Readonly<Record<string, unknown>>): Promise<void> {
    const model = await this.context.connection.ready(this.context.waitMs);
    await this.declareExchange(model, address);
    const channel = await this.confirmChannel(model);
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        address.exchange,
        address.routingKey,
        content,
        { contentType: 'application/json', contentEncoding: 'utf-8', headers: { ...headers }, deliveryMode: 1 },
        (error: unknown) => (error ? reject(asError(error)) : resolve()),
      );
    });
  }

  async subscribe(binding: FanoutBinding, handler: FanoutHandler, options: FanoutSubscribeOptions = {}): Promise<FanoutSubscription> {
    if (typeof binding.queue !== 'string' || binding.queue === '') {
      throw new ConfigurationError('A fanout subscription needs a queue name, e.g. "<hostname>.celery.pidbox".');
    }
    const subscription: OpenSubscription = { binding, handler, onError: options.onError, channel: undefined, closed: false };
    try {
      await this.open(await this.context.connection.ready(this.context.waitMs), subscription);
    } catch (error) {
      throw toBrokerError(error, `subscribing to the exchange "${binding.exchange}"`);
    }
    this.subscriptions.add(subscription);
    return {
      queue: binding.queue,
      close: async () => {
        if (subscription.closed) return;
        subscription.closed = true;
        this.subscriptions.delete(subscription);
        // Closing the channel ends the consumer, and the auto-delete queue goes with it.
        await subscription.channel?.close().catch(() => undefined);
        subscription.channel = undefined;
      },
    };
  }

  private async open(model: ChannelModel, subscription: OpenSubscription): Promise<void> {
    const { binding } = subscription;
    await this.declareExchange(model, binding);
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => subscription.onError?.(toBrokerError(error, `the subscription to "${binding.exchange}"`)));
    const args: Record<string, number> = {};
    if (binding.expiresMs !== undefined) args['x-expires'] = binding.expiresMs;
    if (binding.messageTtlMs !== undefined) args['x-message-ttl'] = binding.messageTtlMs;
    await channel.assertQueue(binding.queue, { durable: false, autoDelete: true, exclusive: false, arguments: args });
    await channel.bindQueue(binding.queue, binding.exchange, binding.type === 'fanout' ? '' : binding.bindingKey);
    // noAck, as kombu's pidbox and event consumers: broadcast is at-most-once.
    await channel.consume(binding.queue, (raw) => raw && deliver(subscription, raw), { noAck: true });
    if (subscription.closed) {
      await channel.close().catch(() => undefined);
      return;
    }
    subscription.channel = channel;
  }

  /** Declare once per connection, as kombu would; an exchange that exists with other properties is used as it is. */
  private declareExchange(model: ChannelModel, address: Pick<FanoutAddress, 'exchange' | 'type' | 'durable'>): Promise<void> {
    let declaring = this.declaredExchanges.get(address.exchange);
    if (declaring === undefined) {
      declaring = (async () => {
        // Its own channel: a 406 closes the channel it happens on.
        const channel = await model.createChannel();
        channel.on('error', () => undefined);
        try {
          await channel.assertExchange(address.exchange, address.type, { durable: address.durable ?? false, autoDelete: false });
        } catch (error) {
          if ((error as { code?: number }).code !== PRECONDITION_FAILED) throw error;
        } finally {
          await channel.close().catch(() => undefined);
        }
      })();
      declaring.catch(() => this.declaredExchanges.delete(address.exchange));
      this.declaredExchanges.set(address.exchange, declaring);
    }
    return declaring;
  }

  private confirmChannel(model: ChannelModel): Promise<ConfirmChannel> {
    if (this.publishChannel === undefined) {
      const opening = model.createConfirmChannel().then((channel) => {
        channel.on('error', () => undefined);
        channel.on('close', () => {
          if (this.publishChannel === opening) this.publishChannel = undefined;
        });
        return channel;
      });
      opening.catch(() => {
        if (this.publishChannel === opening) this.publishChannel = undefined;
      });
      this.publishChannel = opening;
    }
    return this.publishChannel;
  }
}

function deliver(subscription: OpenSubscription, raw: ConsumeMessage): void {
  let body: unknown;
  try {
    const contentType = raw.properties.contentType as string | undefined;
    if (contentType !== undefined && contentType !== 'application/json') {
      throw new MalformedMessageError(`A broadcast on "${raw.fields.exchange}" came as ${contentType}; tq reads only application/json (Celery's default for control and events).`);
    }
    body = JSON.parse(raw.content.toString('utf8'));
  } catch (error) {
    subscription.onError?.(error instanceof MalformedMessageError ? error : new MalformedMessageError(`A broadcast on "${raw.fields.exchange}" is not JSON: ${asError(error).message}.`));
    return;
  }
  try {
    subscription.handler({
      body,
      headers: (raw.properties.headers ?? {}) as Record<string, unknown>,
      exchange: raw.fields.exchange,
      routingKey: raw.fields.routingKey,
    });
  } catch (error) {
    subscription.onError?.(asError(error));
  }
}
