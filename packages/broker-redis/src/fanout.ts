import type { Redis } from 'ioredis';
import {
  ConfigurationError,
  MalformedMessageError,
  encodeFanoutBody,
  encodeKombuEnvelope,
  hasKombuBody,
  isJsonObject,
  messageOfKombuEnvelope,
  topicMatches,
  type FanoutAddress,
  type FanoutBinding,
  type FanoutHandler,
  type FanoutSubscribeOptions,
  type FanoutSubscription,
  type FanoutTransport,
  type MessageHeaders,
} from '@tq/core';
import { KOMBU_PRIORITY_SEPARATOR } from './key-layout.js';

export interface RedisFanoutContext {
  /** Commands and publishes. */
  readonly client: Redis;
  /** A new connection, for the pub/sub subscriber and each reply-list wait. */
  readonly connect: () => Redis;
  /** kombu's global_keyprefix: on channels, binding sets and lists alike. */
  readonly keyPrefix: string;
  /** The database number, part of kombu's channel names (`/{db}.`). */
  readonly db: number;
}

interface ChannelSubscription {
  readonly binding: FanoutBinding;
  readonly handler: FanoutHandler;
  readonly onError: ((error: Error) => void) | undefined;
  /** The channel prefix of the exchange: `<prefix>/<db>.<exchange>`. */
  readonly channelPrefix: string;
  readonly patterns: readonly string[];
}

/** How long one BRPOP of a reply list blocks, so close() is noticed soon. */
const REPLY_WAIT_SECONDS = 1;

/**
 * Broadcast as kombu's Redis transport does it (fanout_prefix and fanout_patterns on, its defaults):
 * fanout and topic exchanges are pub/sub channels `/{db}.<exchange>` and `/{db}.<exchange>/<routing
 * key>`, direct exchanges are the `_kombu.binding.<exchange>` set (members `key␆␖pattern␆␖queue`)
 * with one list per bound queue. Messages are kombu envelopes. Celery's `celeryev` topic exchange is
 * a fanout on Redis with the routing key in the channel, which is what topic means here; a topic
 * binding key is matched on the channel name, then exactly by AMQP's rules.
 */
export class RedisFanout implements FanoutTransport {
  private subscriber: Redis | undefined;
  private readonly byPattern = new Map<string, Set<ChannelSubscription>>();

  constructor(private readonly context: RedisFanoutContext) {}

  async publish(address: FanoutAddress, message: { body: unknown; headers?: Readonly<Record<string, unknown>> }): Promise<void> {
    const envelope = encodeKombuEnvelope(
      { body: encodeFanoutBody(message.body), contentType: 'application/json', contentEncoding: 'utf-8', headers: { ...message.headers } as MessageHeaders, properties: {} },
      { routingKey: address.routingKey, transportProperties: { priority: 0, delivery_mode: 1 } },
    );
    const { client, keyPrefix } = this.context;
    if (address.type !== 'direct') {
      await client.publish(`${keyPrefix}${this.channelPrefix(address.exchange)}${address.routingKey === '' ? '' : `/${address.routingKey}`}`, envelope);
      return;
    }
    const members = await client.smembers(`${keyPrefix}_kombu.binding.${address.exchange}`);
    const queues = new Set<string>();
    for (const member of members) {
      const [routingKey, , queue] = member.split(KOMBU_PRIORITY_SEPARATOR);
      if (routingKey === address.routingKey && queue !== undefined && queue !== '') queues.add(queue);
    }
    // No bound queue: the message goes nowhere, as on an AMQP direct exchange without a binding.
    for (const queue of queues) await client.lpush(`${keyPrefix}${queue}`, envelope);
  }

  async subscribe(binding: FanoutBinding, handler: FanoutHandler, options: FanoutSubscribeOptions = {}): Promise<FanoutSubscription> {
    if (typeof binding.queue !== 'string' || binding.queue === '') {
      throw new ConfigurationError('A fanout subscription needs a queue name, e.g. "<hostname>.celery.pidbox".');
    }
    return binding.type === 'direct' ? this.subscribeList(binding, handler, options) : this.subscribeChannels(binding, handler, options);
  }

  /** Quit the subscriber connection (the broker's close). */
  async close(): Promise<void> {
    this.byPattern.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private channelPrefix(exchange: string): string {
    return `/${this.context.db}.${exchange}`;
  }

  private async subscribeChannels(binding: FanoutBinding, handler: FanoutHandler, options: FanoutSubscribeOptions): Promise<FanoutSubscription> {
    const channelPrefix = `${this.context.keyPrefix}${this.channelPrefix(binding.exchange)}`;
    const escaped = escapeGlob(channelPrefix);
    // Every channel of the exchange (bare: empty routing key, or `/<routing key>`); a topic binding
    // then filters by AMQP's rules, which a Redis glob cannot express exactly (`task.#` takes `task`).
    const patterns = [escaped, `${escaped}/*`];
    const subscription: ChannelSubscription = { binding, handler, onError: options.onError, channelPrefix, patterns };
    const subscriber = this.subscriberConnection();
    const fresh = patterns.filter((pattern) => !this.byPattern.has(pattern));
    for (const pattern of patterns) {
      let set = this.byPattern.get(pattern);
      if (set === undefined) this.byPattern.set(pattern, (set = new Set()));
      set.add(subscription);
    }
    if (fresh.length > 0) await subscriber.psubscribe(...fresh);
    return {
      queue: binding.queue,
      close: async () => {
        const unused: string[] = [];
        for (const pattern of patterns) {
          const set = this.byPattern.get(pattern);
          if (set === undefined || !set.delete(subscription)) continue;
          if (set.size === 0) {
            this.byPattern.delete(pattern);
            unused.push(pattern);
          }
        }
        if (unused.length > 0) await this.subscriber?.punsubscribe(...unused).catch(() => undefined);
      },
    };
  }

  private subscriberConnection(): Redis {
    if (this.subscriber === undefined) {
      const subscriber = this.context.connect();
      subscriber.on('error', () => undefined); // ioredis reconnects and re-subscribes by itself
      subscriber.on('pmessage', (pattern: string, channel: string, raw: string) => this.onChannelMessage(pattern, channel, raw));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private onChannelMessage(pattern: string, channel: string, raw: string): void {
    const subscriptions = this.byPattern.get(pattern);
    if (subscriptions === undefined) return;
    for (const subscription of subscriptions) {
      const { binding, channelPrefix } = subscription;
      // A subscription's patterns never overlap (bare channel, or channel + '/'), so each message comes once.
      const routingKey = channel === channelPrefix ? '' : channel.slice(channelPrefix.length + 1);
      if (binding.type === 'topic' && !topicMatches(binding.bindingKey, routingKey)) continue;
      deliver(subscription, raw, binding.exchange, routingKey);
    }
  }

  private async subscribeList(binding: FanoutBinding, handler: FanoutHandler, options: FanoutSubscribeOptions): Promise<FanoutSubscription> {
    const { client, keyPrefix } = this.context;
    const member = [binding.bindingKey, '', binding.queue].join(KOMBU_PRIORITY_SEPARATOR);
    const bindingKey = `${keyPrefix}_kombu.binding.${binding.exchange}`;
    const list = `${keyPrefix}${binding.queue}`;
    await client.sadd(bindingKey, member);
    const waiter = this.context.connect();
    waiter.on('error', () => undefined);
    const subscription: ChannelSubscription = { binding, handler, onError: options.onError, channelPrefix: '', patterns: [] };
    let closed = false;
    const loop = (async () => {
      while (!closed) {
        try {
          const popped = await waiter.brpop(list, REPLY_WAIT_SECONDS);
          if (popped !== null) deliver(subscription, popped[1], binding.exchange, binding.bindingKey);
        } catch (error) {
          if (closed) return;
          options.onError?.(error instanceof Error ? error : new Error(String(error)));
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    })();
    return {
      queue: binding.queue,
      close: async () => {
        if (closed) return;
        closed = true;
        // A transient queue goes with its consumer, as kombu deletes a reply queue after use.
        await client.srem(bindingKey, member).catch(() => undefined);
        await client.del(list).catch(() => undefined);
        waiter.disconnect();
        await loop;
      },
    };
  }
}

function deliver(subscription: ChannelSubscription, raw: string, exchange: string, routingKey: string): void {
  let body: unknown;
  let headers: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!hasKombuBody(parsed)) throw new Error('not a kombu envelope (no string "body")');
    const message = messageOfKombuEnvelope(parsed, isJsonObject(parsed.properties) ? parsed.properties : {});
    if (message.contentType !== 'application/json') {
      throw new Error(`it came as ${message.contentType}; tq reads only application/json (Celery's default for control and events)`);
    }
    body = JSON.parse(Buffer.from(message.body).toString('utf8'));
    headers = message.headers as Record<string, unknown>;
  } catch (error) {
    subscription.onError?.(new MalformedMessageError(`A broadcast on "${exchange}" cannot be read: ${(error as Error).message}.`, { cause: error }));
    return;
  }
  try {
    subscription.handler({ body, headers, exchange, routingKey });
  } catch (error) {
    subscription.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Redis glob special characters taken literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/gu, '\\$&');
}
