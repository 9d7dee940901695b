import type {
  FanoutAddress,
  FanoutBinding,
  FanoutExchangeType,
  FanoutHandler,
  FanoutMessage,
  FanoutSubscribeOptions,
  FanoutSubscription,
  FanoutTransport,
} from '../contracts/fanout.js';
import { encodeFanoutBody } from '../control/fanout-body.js';
import { ClosedError, ConfigurationError } from '../errors/errors.js';
import { topicMatches } from '../util/topic-match.js';
import { sharedStore } from './shared-namespaces.js';

interface QueueConsumer {
  readonly handler: FanoutHandler;
  readonly onError: ((error: Error) => void) | undefined;
}

interface BoundQueue {
  readonly exchange: string;
  readonly bindingKey: string;
  readonly consumers: QueueConsumer[];
  /** Round-robin position: like AMQP, consumers of one queue compete for its messages. */
  next: number;
}

/** One namespace's exchanges and transient queues, shared by every memory broker of that namespace. */
class FanoutStore {
  readonly exchangeTypes = new Map<string, FanoutExchangeType>();
  readonly queues = new Map<string, BoundQueue>();

  declareExchange(exchange: string, type: FanoutExchangeType): void {
    const declared = this.exchangeTypes.get(exchange);
    if (declared !== undefined && declared !== type) {
      throw new ConfigurationError(
        `The exchange "${exchange}" exists as a ${declared} exchange, not ${type}; use the same type everywhere or another exchange name.`,
      );
    }
    this.exchangeTypes.set(exchange, type);
  }

  route(exchange: string, type: FanoutExchangeType, routingKey: string): BoundQueue[] {
    const matched: BoundQueue[] = [];
    for (const queue of this.queues.values()) {
      if (queue.exchange !== exchange || queue.consumers.length === 0) continue;
      if (type === 'fanout' || (type === 'direct' ? queue.bindingKey === routingKey : topicMatches(queue.bindingKey, routingKey))) {
        matched.push(queue);
      }
    }
    return matched;
  }
}

/** In-process broadcast with the routing rules of AMQP exchanges; messages are JSON-copied like on a wire. */
export class MemoryFanout implements FanoutTransport {
  private readonly store: FanoutStore;
  private closed = false;
  private readonly subscriptions = new Set<FanoutSubscription>();

  constructor(namespace: string) {
    this.store = sharedStore('fanout', namespace, undefined, () => new FanoutStore());
  }

  async publish(address: FanoutAddress, message: { body: unknown; headers?: Readonly<Record<string, unknown>> }): Promise<void> {
    this.assertOpen();
    this.store.declareExchange(address.exchange, address.type);
    const wire = encode({ body: message.body, headers: message.headers ?? {} });
    for (const queue of this.store.route(address.exchange, address.type, address.routingKey)) {
      const consumer = queue.consumers[queue.next % queue.consumers.length];
      queue.next += 1;
      if (consumer === undefined) continue;
      // Delivered on a later turn, as from a socket: a publisher never runs subscriber code inline.
      setImmediate(() => deliver(consumer, wire, address));
    }
  }

  async subscribe(binding: FanoutBinding, handler: FanoutHandler, options: FanoutSubscribeOptions = {}): Promise<FanoutSubscription> {
    this.assertOpen();
    if (typeof binding.queue !== 'string' || binding.queue === '') {
      throw new ConfigurationError('A fanout subscription needs a queue name, e.g. "<hostname>.celery.pidbox".');
    }
    this.store.declareExchange(binding.exchange, binding.type);
    const existing = this.store.queues.get(binding.queue);
    if (existing !== undefined && existing.exchange !== binding.exchange) {
      throw new ConfigurationError(`The queue "${binding.queue}" is bound to the exchange "${existing.exchange}"; give this subscription its own queue.`);
    }
    const queue: BoundQueue = existing ?? { exchange: binding.exchange, bindingKey: binding.bindingKey, consumers: [], next: 0 };
    const consumer: QueueConsumer = { handler, onError: options.onError };
    queue.consumers.push(consumer);
    this.store.queues.set(binding.queue, queue);
    const store = this.store;
    const subscriptions = this.subscriptions;
    const subscription: FanoutSubscription = {
      queue: binding.queue,
      async close() {
        const index = queue.consumers.indexOf(consumer);
        if (index === -1) return;
        queue.consumers.splice(index, 1);
        // Transient queues go with their last consumer (auto-delete).
        if (queue.consumers.length === 0 && store.queues.get(binding.queue) === queue) store.queues.delete(binding.queue);
        subscriptions.delete(subscription);
      },
    };
    subscriptions.add(subscription);
    return subscription;
  }

  /** Called by the memory broker's close(): its subscriptions end with it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('This memory broker');
  }
}

/** JSON on the way through, as on a wire: the same values survive, and the same ones fail. */
function encode(message: { body: unknown; headers: Readonly<Record<string, unknown>> }): string {
  const body = Buffer.from(encodeFanoutBody(message.body)).toString('utf8');
  return `{"body":${body},"headers":${Buffer.from(encodeFanoutBody(message.headers)).toString('utf8')}}`;
}

function deliver(consumer: QueueConsumer, wire: string, address: FanoutAddress): void {
  const decoded = JSON.parse(wire) as { body: unknown; headers: Record<string, unknown> };
  const message: FanoutMessage = { body: decoded.body, headers: decoded.headers, exchange: address.exchange, routingKey: address.routingKey };
  try {
    consumer.handler(message);
  } catch (error) {
    consumer.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}
