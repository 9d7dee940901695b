import {
  ClosedError,
  ConfigurationError,
  integerOption,
  systemClock,
  deadLetterLimit,
  validateConsumeArguments,
  validateQueueName,
  type Broker,
  type BrokerCapabilities,
  type BrokerMessage,
  type ConsumeOptions,
  type Consumer,
  type DeadLetter,
  type DeliveryHandler,
  type PublishOptions,
  type QueueStats,
} from '@tq/core';
import { DEFAULT_URL, type Connections, newConsumerId, openConnections } from './connection.js';
import { readUrlParams } from './url-params.js';
import { Reachability } from './reachability.js';
import { parseDeadLetter } from './dead-letter-record.js';
import { asError, toBrokerError } from './errors.js';
import { encodeEnvelope } from './kombu-envelope.js';
import { RedisFanout } from './fanout.js';
import { KeyLayout } from './key-layout.js';
import { runScript } from './lua-scripts.js';
import { PRIORITY_LEVELS, levelOfTqPriority, validateTqPriority } from './priority-mapping.js';
import type { RedisBrokerOptions } from './redis-broker-options.js';
import { type ConsumerTimings, RedisConsumer } from './redis-consumer.js';
import { TurnBatcher } from './turn-batcher.js';

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_BLOCK_TIMEOUT_MS = 5_000;
const DEFAULT_WATCHDOG_MS = 30_000;
const DEFAULT_DELAYED_CHECK_MS = 1_000;
const DEFAULT_MAX_DEAD_LETTERS_PER_QUEUE = 10_000;
const DEFAULT_DELIVERY_LIMIT = 10;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long close() lets QUIT finish before dropping the connection. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * A broker on Redis that shares kombu's queues (Python Celery producers and workers meet tq on
 * them) and adds what kombu lacks: atomic reservation, per-consumer leases, broker-side delays and
 * dead letters. See the README for the key layout and the design.
 */
export function createRedisBroker(options: RedisBrokerOptions = {}): Broker {
  return new RedisBroker(options);
}

interface Settings extends ConsumerTimings {
  readonly keyPrefix: string;
  readonly connectTimeoutMs: number;
  readonly consumerIdPrefix: string | undefined;
}

class RedisBroker implements Broker {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'redis';
  readonly capabilities: BrokerCapabilities = {
    priority: { levels: PRIORITY_LEVELS },
    delayedDelivery: { maxDelayMs: Number.MAX_SAFE_INTEGER },
    deadLetter: true,
    redeliveryOnConsumerLoss: true,
    fanout: true,
  };
  readonly displayUrl: string;
  readonly fanout: RedisFanout;
  private readonly settings: Settings;
  private readonly connections: Connections;
  private readonly keys: KeyLayout;
  private readonly consumers = new Set<RedisConsumer>();
  private readonly reachability: Reachability;
  /** The ready-list publishes of one event-loop turn: one LPUSH per list. */
  private readonly pushes: TurnBatcher;
  private closing: Promise<void> | undefined;

  constructor(options: RedisBrokerOptions) {
    this.settings = validateOptions(options);
    this.connections = openConnections(options, this.settings.connectTimeoutMs);
    // The client is ours to watch: without a listener ioredis prints every reconnect attempt.
    this.connections.client.on('error', () => undefined);
    this.displayUrl = this.connections.displayUrl;
    this.reachability = new Reachability(this.connections.client, this.settings.connectTimeoutMs, this.displayUrl);
    // LPUSH a b c leaves the list as LPUSH a; LPUSH b; LPUSH c would.
    this.pushes = new TurnBatcher((list, values) => this.connections.client.lpush(list, ...values), { maxValues: 1_000 });
    this.keys = new KeyLayout(this.settings.keyPrefix);
    this.fanout = new RedisFanout({
      client: this.connections.client,
      connect: this.connections.connectBlocking,
      keyPrefix: this.settings.keyPrefix,
      db: this.connections.client.options.db ?? 0,
    });
  }

  async connect(): Promise<void> {
    this.assertOpen();
    await this.reachability.reached();
    try {
      await this.connections.client.ping();
    } catch (error) {
      throw toBrokerError(asError(error), `connecting to ${this.displayUrl}`);
    }
  }

  async publish(message: BrokerMessage, options: PublishOptions): Promise<void> {
    this.assertOpen();
    const queue = validateQueueName(options.queue);
    if (!(message.body instanceof Uint8Array)) {
      throw new ConfigurationError('message.body must be a Uint8Array (a Buffer is one); encode the payload with a serializer first.');
    }
    const tqPriority = validateTqPriority(options.priority, 'priority') ?? wirePriority(message.properties.priority);
    const deliverAt = options.deliverAt;
    if (deliverAt !== undefined && !Number.isFinite(deliverAt)) {
      throw new ConfigurationError(`Invalid deliverAt ${deliverAt}: expected epoch milliseconds.`);
    }
    const level = levelOfTqPriority(tqPriority);
    const raw = encodeEnvelope(message, { queue, level, tqPriority });
    const queueKeys = this.keys.queue(queue);
    if (!this.reachability.isReached) await this.reachability.reached();
    try {
      if (deliverAt !== undefined && deliverAt > this.settings.clock.now()) {
        await this.connections.client.zadd(queueKeys.delayed, deliverAt, `${level}|${raw}`);
        for (const consumer of this.consumers) consumer.delayedPublished(queue, deliverAt);
      } else {
        // LPUSH like kombu's producers (consumers take from the right, so this is the tail), the
        // publishes of one event-loop turn to a list sharing one LPUSH.
        await this.pushes.add(queueKeys.ready[level] as string, raw);
      }
    } catch (error) {
      throw toBrokerError(asError(error), `publishing to "${queue}"`);
    }
  }

  async consume(queues: readonly string[], handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    const consumed = validateConsumeArguments(queues, options);
    await this.reachability.reached();
    const prefetch = consumed.prefetch;
    const { settings, connections } = this;
    const consumer = new RedisConsumer(
      {
        ...settings,
        client: connections.client,
        keys: this.keys,
        consumerId: newConsumerId(settings.consumerIdPrefix),
        connectBlocking: connections.connectBlocking,
        onStopped: (stopped) => this.consumers.delete(stopped),
        onConnectionChange: options.onConnectionChange,
        displayUrl: this.displayUrl,
      },
      // A queue listed twice would get twice the turns.
      { queues: consumed.queues, handler, prefetch, onError: options.onError },
    );
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      await consumer.cancel();
      throw toBrokerError(asError(error), `starting a consumer of ${queues.join(', ')}`);
    }
    return consumer;
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    const queueKeys = this.keys.queue(validateQueueName(queue));
    try {
      const reply = (await runScript(
        this.connections.client,
        'stats',
        [queueKeys.delayed, queueKeys.dead, queueKeys.consumers, ...queueKeys.ready],
        [queueKeys.inFlightPrefix],
      )) as number[];
      const [ready = 0, inFlight = 0, delayed = 0, dead = 0] = reply;
      return { ready, inFlight, delayed, dead };
    } catch (error) {
      throw toBrokerError(asError(error), `reading the stats of "${queue}"`);
    }
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    const queueKeys = this.keys.queue(validateQueueName(queue));
    try {
      return Number(await runScript(this.connections.client, 'purge', [queueKeys.delayed, queueKeys.counts, ...queueKeys.ready], []));
    } catch (error) {
      throw toBrokerError(asError(error), `purging "${queue}"`);
    }
  }

  async deadLetters(queue: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const name = validateQueueName(queue);
    const limit = deadLetterLimit(options);
    if (limit === 0) return [];
    let records: string[];
    try {
      records = await this.connections.client.lrange(this.keys.queue(name).dead, 0, limit - 1);
    } catch (error) {
      throw toBrokerError(asError(error), `reading the dead letters of "${queue}"`);
    }
    return records.map((record) => parseDeadLetter(record, name));
  }

  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      // Publishes already made are answered before QUIT (which would overtake auto-pipelined commands).
      await this.pushes.settled();
      await Promise.all([...this.consumers].map((consumer) => consumer.cancel({ deadlineMs: options.deadlineMs ?? 0 })));
      await this.fanout.close();
      const { client, ownsClient } = this.connections;
      if (!ownsClient) return;
      if (client.status === 'wait' || client.status === 'end') {
        client.disconnect();
        return;
      }
      // QUIT lets queued replies (the last acks) arrive; a dead connection must not hold close() up.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([client.quit().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)))]);
      clearTimeout(timer);
      client.disconnect();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError(`The Redis broker ${this.displayUrl}`);
  }
}

function validateOptions(options: RedisBrokerOptions): Settings {
  const leaseMs = integerOption(options.lease?.leaseMs, 'lease.leaseMs') ?? DEFAULT_LEASE_MS;
  const renewEveryMs = integerOption(options.lease?.renewEveryMs, 'lease.renewEveryMs') ?? Math.max(1, Math.floor(leaseMs / 3));
  if (renewEveryMs >= leaseMs) {
    throw new ConfigurationError(`lease.renewEveryMs (${renewEveryMs}) must be shorter than lease.leaseMs (${leaseMs}), or every lease would lapse between renewals.`);
  }
  const fromUrl = options.client === undefined ? readUrlParams(options.url ?? DEFAULT_URL) : { deliveryLimit: undefined, connectTimeoutMs: undefined };
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string') throw new ConfigurationError(`Invalid keyPrefix ${JSON.stringify(keyPrefix)}: expected a string.`);
  return {
    keyPrefix,
    leaseMs,
    renewEveryMs,
    blockTimeoutMs: integerOption(options.consume?.blockTimeoutMs, 'consume.blockTimeoutMs') ?? DEFAULT_BLOCK_TIMEOUT_MS,
    watchdogMs: integerOption(options.consume?.watchdogMs, 'consume.watchdogMs') ?? DEFAULT_WATCHDOG_MS,
    delayedCheckMs: integerOption(options.consume?.delayedCheckMs, 'consume.delayedCheckMs') ?? DEFAULT_DELAYED_CHECK_MS,
    maxDeadLettersPerQueue: integerOption(options.limits?.maxDeadLettersPerQueue, 'limits.maxDeadLettersPerQueue') ?? DEFAULT_MAX_DEAD_LETTERS_PER_QUEUE,
    deliveryLimit: integerOption(options.deliveryLimit, 'deliveryLimit', { max: 1_000_000 }) ?? fromUrl.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT,
    connectTimeoutMs: integerOption(options.connect?.timeoutMs, 'connect.timeoutMs', { max: 3_600_000 }) ?? fromUrl.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    clock: options.clock ?? systemClock,
    consumerIdPrefix: options.consumerIdPrefix,
  };
}

/** properties.priority comes from the wire, so it is clamped rather than rejected. */
function wirePriority(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return Math.min(255, Math.max(0, Math.round(value)));
}
