import type { Channel, ChannelModel, ConsumeMessage, Message } from 'amqplib';
import {
  ClosedError,
  ConfigurationError,
  PayloadTooLargeError,
  UnsupportedError,
  systemClock,
  deadLetterLimit,
  validateConsumeArguments,
  validateQueueName,
  type Broker,
  type BrokerCapabilities,
  type BrokerMessage,
  type Clock,
  type ConsumeOptions,
  type DeadLetter,
  type DeadLetterReason,
  type DeliveryHandler,
  type FanoutTransport,
  type PublishOptions,
  type QueueStats,
} from '@tq/core';
import type { AmqpBrokerOptions } from './amqp-broker-options.js';
import { AmqpConsumer } from './amqp-consumer.js';
import { AmqpConnection } from './connection.js';
import { AmqpFanout } from './fanout.js';
import { deadLetterOptions, peekDeadLetters, redriveOptions, toDeadLetter } from './dead-letters.js';
import { scanDelayed } from './delayed-scan.js';
import { amqpReplyCode, toBrokerError } from './errors.js';
import { fromAmqpMessage, toPublishOptions } from './message-codec.js';
import { PriorityBands } from './priority-bands.js';
import { Publisher } from './publisher.js';
import { type Settings, validateOptions } from './settings.js';
import { MAX_DELAY_SECONDS, Topology } from './topology.js';


/** The AMQP broker: the Broker contract plus dead-letter redrive. */
export interface AmqpBroker extends Broker {
  /** Celery's broadcast on RabbitMQ exchanges (remote control, events): always present on AMQP. */
  readonly fanout: FanoutTransport;
  /** Move up to `limit` dead letters of `queue` (oldest first) back to where they were headed; returns how many. */
  redrive(queue: string, options?: { limit?: number }): Promise<number>;
  /**
   * The consumer_timeout acks must beat, in ms, when known: `queues.consumerTimeoutMs`, else the value
   * RabbitMQ named when it last closed a channel for it. AMQP cannot read the server's setting, so
   * undefined means unknown (RabbitMQ's default is 30 min). A worker can warn when a task's timeLimit exceeds it.
   */
  readonly consumerTimeoutMs: number | undefined;
}

/**
 * A broker on RabbitMQ with Celery's topology (see the README): publisher confirms, manual acks,
 * dead-letter queues with reasons, Celery 5.5's delay levels, priorities and quorum queues.
 */
export function createAmqpBroker(options: AmqpBrokerOptions = {}): AmqpBroker {
  return new RabbitBroker(options);
}

class RabbitBroker implements AmqpBroker {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'amqp';
  readonly capabilities: BrokerCapabilities;
  readonly displayUrl: string;
  readonly fanout: AmqpFanout;
  private readonly settings: Settings;
  private readonly connection: AmqpConnection;
  private readonly publisher: Publisher;
  private readonly topology: Topology;
  private readonly priorities: PriorityBands | undefined;
  private readonly clock: Clock;
  private readonly consumers = new Set<AmqpConsumer>();
  /** Declarations made on the current connection, by name ("queue:<name>", "delays"). */
  private declared = new Map<string, Promise<void>>();
  /** The keys of `declared` that completed: publishing to them needs no await. */
  private settledDeclarations = new Set<string>();
  private closing: Promise<void> | undefined;
  private learnedConsumerTimeoutMs: number | undefined;

  constructor(options: AmqpBrokerOptions) {
    this.settings = validateOptions(options);
    const { settings } = this;
    this.clock = options.clock ?? systemClock;
    this.connection = new AmqpConnection(settings.connection);
    this.displayUrl = this.connection.displayUrl;
    this.publisher = new Publisher(this.connection, settings.publishTimeoutMs);
    this.topology = new Topology(settings.topology);
    this.priorities = settings.topology.maxPriority === undefined ? undefined : new PriorityBands(settings.topology.maxPriority);
    this.capabilities = {
      priority: this.priorities === undefined ? false : { levels: this.priorities.levels },
      delayedDelivery: { maxDelayMs: MAX_DELAY_SECONDS * 1000 },
      deadLetter: true,
      redeliveryOnConsumerLoss: true,
      maxMessageBytes: this.settings.maxMessageBytes,
      fanout: true,
    };
    this.fanout = new AmqpFanout({ connection: this.connection, waitMs: this.settings.publishTimeoutMs });
    this.connection.onConnected((_model, generation) => {
      // The first connection is the one everything in flight is already using.
      if (generation === 1) return;
      // Everything declared and every channel died with the old connection.
      this.declared = new Map();
      this.settledDeclarations = new Set();
      this.publisher.reset();
      for (const consumer of this.consumers) consumer.reconnected();
    });
  }

  get consumerTimeoutMs(): number | undefined {
    return this.settings.topology.consumerTimeoutMs ?? this.learnedConsumerTimeoutMs;
  }

  /** Core's name for the same deadline, read by the worker's start-up check. */
  get ackTimeoutMs(): number | undefined {
    return this.consumerTimeoutMs;
  }

  async connect(): Promise<void> {
    this.assertOpen();
    try {
      await this.connection.ready(this.settings.publishTimeoutMs);
    } catch (error) {
      throw toBrokerError(error, `connecting to ${this.displayUrl}`);
    }
  }

  async publish(message: BrokerMessage, options: PublishOptions): Promise<void> {
    this.assertOpen();
    const queue = validateQueueName(options.queue);
    if (!(message.body instanceof Uint8Array)) {
      throw new ConfigurationError('message.body must be a Uint8Array (a Buffer is one); encode the payload with a serializer first.');
    }
    if (message.body.byteLength > this.settings.maxMessageBytes) {
      throw new PayloadTooLargeError(message.body.byteLength, this.settings.maxMessageBytes, `the AMQP broker (maxMessageBytes)`);
    }
    const tqPriority = this.tqPriority(options.priority, message.properties.priority);
    const amqpOptions = toPublishOptions(message, tqPriority === undefined ? undefined : this.priorities?.bandOf(tqPriority), tqPriority);
    const body = Buffer.isBuffer(message.body) ? message.body : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    const delaySeconds = this.delaySeconds(options.deliverAt);
    // Declarations are retried through a lost connection like the publish itself, up to publish.timeoutMs.
    if (!this.settledDeclarations.has(`queue:${queue}`) || (this.settings.exchanges.length > 0 && !this.settledDeclarations.has('exchanges'))) {
      await this.untilDeadline(async () => {
        await this.ensureExchanges();
        await this.ensureQueue(queue);
      });
    }
    if (delaySeconds > 0) {
      const routingKey = this.topology.delayRoutingKey(delaySeconds, queue);
      return this.publisher.publish(this.topology.delayEntryExchange, routingKey, body, amqpOptions, `publishing a delayed message to "${queue}"`);
    }
    const exchange = options.exchange ?? '';
    const routingKey = options.routingKey ?? queue;
    return this.publisher.publish(exchange, routingKey, body, amqpOptions, `publishing to "${queue}"`);
  }

  /** Repeat `operation` while it fails with a retryable error (a lost connection), up to publish.timeoutMs. */
  private async untilDeadline<T>(operation: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        const mapped = toBrokerError(error, 'declaring the topology');
        // Never reached at all: retrying for publish.timeoutMs would only hide it.
        const unreachable = mapped.code === 'TQ_BROKER_UNREACHABLE';
        if (!mapped.retryable || unreachable || Date.now() >= deadline || this.closing !== undefined) throw mapped;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
      }
    }
  }

  async consume(queues: readonly string[], handler: DeliveryHandler, options: ConsumeOptions): Promise<AmqpConsumer> {
    this.assertOpen();
    const consumed = validateConsumeArguments(queues, options);
    const consumer = new AmqpConsumer(
      {
        connection: this.connection,
        ensureQueue: (queue, fresh) => this.ensureQueue(queue, fresh),
        readyCount: async (queue) => (await this.withChannel((channel) => channel.checkQueue(queue))).messageCount,
        deadLetter: (queue, raw, reason) => this.deadLetter(queue, raw, reason),
        decode: (raw) => this.decode(raw),
        perQueuePrefetch: this.settings.topology.queueType === 'quorum',
        watchdogMs: this.settings.watchdogMs,
        onStopped: (stopped) => this.consumers.delete(stopped),
        onConsumerTimeout: (timeoutMs) => (this.learnedConsumerTimeoutMs = timeoutMs),
      },
      {
        queues: consumed.queues,
        handler,
        prefetch: consumed.prefetch,
        onError: options.onError ?? this.settings.connection.events.onError,
        onConnectionChange: options.onConnectionChange,
      },
    );
    this.consumers.add(consumer);
    try {
      await this.ensureExchanges();
      await consumer.start();
    } catch (error) {
      await consumer.cancel();
      throw toBrokerError(error, `starting a consumer of ${queues.join(', ')}`);
    }
    return consumer;
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    const name = validateQueueName(queue);
    await this.ensureQueue(name);
    const [ready, dead] = await this.withChannel(async (channel) => [
      (await channel.checkQueue(name)).messageCount,
      (await channel.checkQueue(this.topology.deadLetterQueue(name))).messageCount,
    ]);
    const delayed = await this.delayedScan(name, false);
    let inFlight = 0;
    for (const consumer of this.consumers) inFlight += consumer.unsettledOf(name);
    return { ready, inFlight, delayed, dead };
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    const name = validateQueueName(queue);
    await this.ensureQueue(name);
    const ready = (await this.withChannel((channel) => channel.purgeQueue(name))).messageCount;
    return ready + (await this.delayedScan(name, true));
  }

  async deadLetters(queue: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const name = validateQueueName(queue);
    const limit = deadLetterLimit(options);
    if (limit === 0) return [];
    await this.ensureQueue(name);
    const letters = await this.withChannel(async (channel) => {
      const read = await peekDeadLetters(channel, this.topology.deadLetterQueue(name), this.settings.topology.maxDeadLetters);
      const deliveryLimit = this.settings.topology.queueType === 'quorum' ? this.settings.topology.deliveryLimit : undefined;
      return read.map((raw) => toDeadLetter(raw, name, (message) => this.decode(message), deliveryLimit));
    });
    return letters.reverse().slice(0, limit);
  }

  async redrive(queue: string, options: { limit?: number } = {}): Promise<number> {
    this.assertOpen();
    const name = validateQueueName(queue);
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    await this.ensureQueue(name);
    return this.withChannel(async (channel) => {
      let moved = 0;
      while (moved < limit) {
        const raw = await channel.get(this.topology.deadLetterQueue(name), { noAck: false });
        if (raw === false) break;
        // Confirmed on the source queue before the dead letter goes: a crash in between repeats it, never loses it.
        await this.publisher.publish('', name, raw.content, redriveOptions(raw), `redriving a dead letter to "${name}"`);
        channel.ack(raw);
        moved += 1;
      }
      return moved;
    });
  }

  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.cancel({ deadlineMs: options.deadlineMs ?? 0 })));
      await this.connection.close();
    })();
    return this.closing;
  }

  /** Test hook: drop the socket as a network failure would. */
  dropConnection(): void {
    this.connection.destroySocket();
  }

  private async deadLetter(queue: string, raw: ConsumeMessage, reason: DeadLetterReason): Promise<void> {
    await this.ensureQueue(queue);
    const options = deadLetterOptions(queue, raw, reason, this.clock.now());
    await this.publisher.publish(this.topology.deadLetterExchange, queue, raw.content, options, `dead-lettering a message of "${queue}"`);
  }

  private decode(raw: Pick<Message, 'content' | 'properties'>): BrokerMessage {
    return fromAmqpMessage(raw, (amqp) => (this.priorities === undefined ? Math.min(255, Math.max(0, amqp)) : this.priorities.tqPriorityOf(amqp)));
  }

  private tqPriority(requested: number | undefined, fromProperties: unknown): number | undefined {
    if (requested !== undefined && requested !== null) {
      if (!Number.isInteger(requested) || requested < 0 || requested > 255) {
        throw new ConfigurationError(`Invalid priority ${String(requested)}: expected an integer from 0 (lowest) to 255 (highest).`);
      }
      if (this.priorities === undefined) {
        throw new UnsupportedError('This AMQP broker has no priorities: set queues.maxPriority (e.g. 9) so queues are declared with x-max-priority.');
      }
      return requested;
    }
    // From the wire (a re-published Celery message): clamped, and only where priorities exist.
    if (this.priorities === undefined || typeof fromProperties !== 'number' || !Number.isFinite(fromProperties)) return undefined;
    return Math.min(255, Math.max(0, Math.round(fromProperties)));
  }

  private delaySeconds(deliverAt: number | undefined): number {
    if (deliverAt === undefined) return 0;
    if (!Number.isFinite(deliverAt)) throw new ConfigurationError(`Invalid deliverAt ${deliverAt}: expected epoch milliseconds.`);
    // Rounded up: the levels count whole seconds, and a message must never arrive early.
    const seconds = Math.ceil((deliverAt - this.clock.now()) / 1000);
    if (seconds > MAX_DELAY_SECONDS) {
      throw new ConfigurationError(`deliverAt is ${seconds} s ahead; RabbitMQ delay levels reach ${MAX_DELAY_SECONDS} s (about 8.5 years).`);
    }
    return seconds;
  }

  private async delayedScan(queue: string, remove: boolean): Promise<number> {
    if (!this.declared.has('delays')) {
      await this.ensureDeclared('delays', (channel) => this.topology.declareDelayLevels(channel));
    }
    return this.withChannel((channel) => scanDelayed(channel, this.topology, queue, remove));
  }

  /** Declare once per connection; `fresh` declares again (the queue may have been deleted under us). */
  private ensureQueue(queue: string, fresh = false): Promise<void> {
    if (fresh) {
      this.declared.delete(`queue:${queue}`);
      this.settledDeclarations.delete(`queue:${queue}`);
    }
    return this.ensureDeclared(`queue:${queue}`, async (channel) => {
      await this.ensureDeclared('delays', (delayChannel) => this.topology.declareDelayLevels(delayChannel));
      try {
        await this.withChannel((declareChannel) => this.topology.declareQueue(declareChannel, queue));
      } catch (error) {
        if (amqpReplyCode(error) !== 406) throw error;
        // Declared before with other arguments (a Celery app's plain queue): use it as it is.
        await this.withChannel((checkChannel) => checkChannel.checkQueue(queue));
        this.settings.connection.events.onError?.(
          new ConfigurationError(
            `AMQP broker: queue "${queue}" exists with other arguments than ${JSON.stringify(this.topology.queueArguments())} (precondition failed); ` +
              'the existing queue is used as declared. Declare it the same way everywhere (see the README) to get these options.',
            { cause: error },
          ),
        );
      }
      await this.topology.declareQueueRouting(channel, queue);
    });
  }

  /** The configured exchanges and their bindings (their queues declared first). */
  private ensureExchanges(): Promise<void> {
    if (this.settings.exchanges.length === 0) return Promise.resolve();
    return this.ensureDeclared('exchanges', async (channel) => {
      for (const exchange of this.settings.exchanges) {
        await channel.assertExchange(exchange.name, exchange.type, { durable: true });
        for (const binding of exchange.bindings ?? []) {
          await this.ensureQueue(binding.queue);
          await channel.bindQueue(binding.queue, exchange.name, binding.routingKey ?? '');
        }
      }
    });
  }

  /** Run a declaration once per connection; a failed one is forgotten so the next call tries again. */
  private ensureDeclared(key: string, declare: (channel: Channel) => Promise<void>): Promise<void> {
    let declaring = this.declared.get(key);
    if (declaring === undefined) {
      const declarations = this.declared;
      const settled = this.settledDeclarations;
      declaring = this.withChannel(declare).then(
        () => void (declarations.get(key) === declaring && settled.add(key)),
        (error: unknown) => {
          if (declarations.get(key) === declaring) declarations.delete(key);
          throw toBrokerError(error, `declaring ${key.replace(':', ' ')}`);
        },
      );
      this.declared.set(key, declaring);
      // Callers get the rejection; the cached copy must not count as unhandled.
      declaring.catch(() => undefined);
    }
    return declaring;
  }

  /** A short-lived channel: a channel error (404, 406) closes only it, never the shared ones. */
  private async withChannel<T>(use: (channel: Channel) => Promise<T>): Promise<T> {
    const model: ChannelModel = await this.connection.ready(this.settings.publishTimeoutMs);
    let channel: Channel | undefined;
    try {
      channel = await model.createChannel();
      channel.on('error', () => undefined);
      return await use(channel);
    } catch (error) {
      throw toBrokerError(error, 'a channel operation');
    } finally {
      await channel?.close().catch(() => undefined);
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError(`The AMQP broker ${this.displayUrl}`);
  }
}
