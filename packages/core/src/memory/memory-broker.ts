import type {
  Broker,
  BrokerCapabilities,
  ConsumeOptions,
  Consumer,
  DeadLetter,
  DeliveryHandler,
  PublishOptions,
  QueueStats,
} from '../contracts/broker.js';
import type { FanoutTransport } from '../contracts/fanout.js';
import type { BrokerMessage } from '../contracts/message.js';
import { ClosedError, ConfigurationError, PayloadTooLargeError } from '../errors/errors.js';
import { BrokerStore } from './broker-store.js';
import { copyMessage } from './copy-value.js';
import { MemoryConsumer, SIMULATE_OUTAGE, type OutageControl } from './memory-consumer.js';
import { MemoryFanout } from './memory-fanout.js';
import type { MemoryBrokerOptions } from './memory-broker-options.js';
import { storedPriority, validatePriorityLevels } from './priority-levels.js';
import { sharedStore, validateNamespace } from './shared-namespaces.js';
import { deadLetterLimit, validateConsumeArguments, validateQueueName } from '../util/broker-arguments.js';

const DEFAULT_MAX_DEAD_LETTERS_PER_QUEUE = 10_000;

/**
 * An in-process broker with every semantic of the broker contract: for tests, examples and
 * single-process apps. Exchanges and routing keys are ignored; messages go to `options.queue`.
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  return new MemoryBroker(options);
}

class MemoryBroker implements Broker {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'memory';
  readonly capabilities: BrokerCapabilities;
  readonly displayUrl: string;
  private readonly memoryFanout: MemoryFanout;
  private readonly store: BrokerStore;
  private readonly priorityLevels: number | false;
  private readonly maxMessageBytes: number | undefined;
  private readonly maxDeadLettersPerQueue: number;
  private readonly consumers = new Set<MemoryConsumer>();
  private closing: Promise<void> | undefined;

  constructor(options: MemoryBrokerOptions) {
    const namespace = validateNamespace(options.namespace);
    this.priorityLevels = validatePriorityLevels(options.priorityLevels);
    this.maxMessageBytes = positiveIntegerOrUndefined(options.limits?.maxMessageBytes, 'limits.maxMessageBytes');
    this.maxDeadLettersPerQueue =
      positiveIntegerOrUndefined(options.limits?.maxDeadLettersPerQueue, 'limits.maxDeadLettersPerQueue') ?? DEFAULT_MAX_DEAD_LETTERS_PER_QUEUE;
    this.store = sharedStore('broker', namespace, options.clock, (clock) => new BrokerStore(clock));
    this.displayUrl = `memory://${namespace}`;
    this.memoryFanout = new MemoryFanout(namespace);
    this.capabilities = {
      priority: this.priorityLevels === false ? false : { levels: this.priorityLevels },
      delayedDelivery: { maxDelayMs: Number.MAX_SAFE_INTEGER },
      deadLetter: true,
      redeliveryOnConsumerLoss: true,
      fanout: true,
      ...(this.maxMessageBytes === undefined ? {} : { maxMessageBytes: this.maxMessageBytes }),
    };
  }

  get fanout(): FanoutTransport {
    return this.memoryFanout;
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  async publish(message: BrokerMessage, options: PublishOptions): Promise<void> {
    this.assertOpen();
    const queue = validateQueueName(options.queue);
    const priority = storedPriority(message, options, this.priorityLevels);
    if (this.maxMessageBytes !== undefined && message.body.byteLength > this.maxMessageBytes) {
      throw new PayloadTooLargeError(message.body.byteLength, this.maxMessageBytes, `the memory broker ${this.displayUrl}`);
    }
    const deliverAt = options.deliverAt;
    if (deliverAt !== undefined && !Number.isFinite(deliverAt)) {
      throw new ConfigurationError(`Invalid deliverAt ${deliverAt}: expected epoch milliseconds.`);
    }
    const copy = copyMessage(message);
    // Like AMQP, the priority the broker used is the one the consumer sees.
    if (options.priority !== undefined) copy.properties.priority = options.priority;
    const stored = { message: copy, priority, deliveryCount: 0, redelivered: false };
    if (deliverAt !== undefined && deliverAt > this.store.clock.now()) this.store.delay(queue, stored, deliverAt);
    else this.store.enqueue(queue, stored);
  }

  async consume(queues: readonly string[], handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    const consumed = validateConsumeArguments(queues, options);
    const prefetch = consumed.prefetch;
    const consumer = new MemoryConsumer(this.store, {
      queues: consumed.queues,
      handler,
      prefetch,
      onError: options.onError,
      onConnectionChange: options.onConnectionChange,
      maxDeadLettersPerQueue: this.maxDeadLettersPerQueue,
      onStopped: (stopped) => this.consumers.delete(stopped),
    });
    this.consumers.add(consumer);
    return consumer;
  }

  /** The test hook's body for a whole broker: every current consumer loses its connection at once. */
  [SIMULATE_OUTAGE](cause: Error): OutageControl {
    const controls = [...this.consumers].map((consumer) => consumer[SIMULATE_OUTAGE](cause));
    return {
      retry: (delayMs, retryCause) => controls.forEach((control) => control.retry(delayMs, retryCause)),
      restore: () => controls.forEach((control) => control.restore()),
    };
  }

  async stats(queue: string): Promise<QueueStats> {
    this.assertOpen();
    return this.store.stats(validateQueueName(queue));
  }

  async purge(queue: string): Promise<number> {
    this.assertOpen();
    return this.store.purge(validateQueueName(queue));
  }

  async deadLetters(queue: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    this.assertOpen();
    const limit = deadLetterLimit(options);
    return this.store.deadLetters(validateQueueName(queue), limit);
  }

  /** Messages stay in the namespace's store after close, for other or later instances to consume. */
  close(options: { deadlineMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.cancel({ deadlineMs: options.deadlineMs ?? 0 })));
      await this.memoryFanout.close();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError(`The memory broker ${this.displayUrl}`);
  }
}

function positiveIntegerOrUndefined(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new ConfigurationError(`Invalid ${what} ${value}: expected a positive integer.`);
  return value;
}
