import type { Channel, ConsumeMessage } from 'amqplib';
import {
  BrokerError,
  DrainWaiters,
  SettledDelivery,
  reportConsumerError,
  type BrokerMessage,
  type ConnectionChange,
  type Consumer,
  type ConsumerSettings,
  type DeadLetterReason,
  type Settlement,
} from '@tq/core';
import { AckBatcher } from './ack-batcher.js';
import type { AmqpConnection } from './connection.js';
import { AmqpConsumerTimeoutError, asError, toBrokerError } from './errors.js';
import { OutageReporter } from './outage.js';

/** Registered symbol, so the test hook works across the ESM and CJS copies of this package. */
export const LOSE_CONSUMER = Symbol.for('tq.amqp.loseConsumer');
export const STALL_CONSUMER = Symbol.for('tq.amqp.stallConsumer');

export interface ConsumerContext {
  readonly connection: AmqpConnection;
  /** Declare the queue (cached per connection unless `fresh`). */
  readonly ensureQueue: (queue: string, fresh: boolean) => Promise<void>;
  /** Ready messages in the queue, for the watchdog. */
  readonly readyCount: (queue: string) => Promise<number>;
  /** Copy the message to the queue's dead letters with the reason (confirmed); the caller acks it after. */
  readonly deadLetter: (queue: string, raw: ConsumeMessage, reason: DeadLetterReason) => Promise<void>;
  readonly decode: (raw: ConsumeMessage) => BrokerMessage;
  /** Quorum queues reject a channel-wide (global) prefetch: the window is split per queue instead. */
  readonly perQueuePrefetch: boolean;
  readonly watchdogMs: number;
  readonly onStopped: (consumer: AmqpConsumer) => void;
  /** RabbitMQ closed the channel for an ack past consumer_timeout, and said the timeout it used. */
  readonly onConsumerTimeout: (timeoutMs: number) => void;
}

export interface AmqpConsumerSettings extends ConsumerSettings {
  readonly onConnectionChange: ((change: ConnectionChange) => void) | undefined;
}

interface Unsettled {
  readonly channel: Channel;
  readonly acks: AckBatcher;
  readonly raw: ConsumeMessage;
  readonly queue: string;
}

/** What nack({ requeue: false }) dead-letters with: on RabbitMQ the fix is a redrive. */
const NACKED_REASON: DeadLetterReason = {
  code: 'rejected',
  message: 'The consumer nacked the message without requeue; redrive it once the cause is fixed.',
};

type ConsumerState = 'running' | 'cancelling' | 'stopped' | 'lost';

/**
 * One consumer: its own channel with a basic.qos window and one basic.consume per queue. When the
 * channel or connection goes, RabbitMQ requeues what was unacked (marked redelivered); the consumer
 * re-subscribes on the next connection by itself, and a watchdog re-subscribes a consumer that sits
 * silent with room while its queues hold ready messages.
 */
export class AmqpConsumer implements Consumer {
  readonly queues: readonly string[];
  private readonly unsettledDeliveries = new Map<number, Unsettled>();
  private state: ConsumerState = 'running';
  private channel: Channel | undefined;
  private acks: AckBatcher | undefined;
  private consumerTags: string[] = [];
  private nextId = 1;
  private subscribing: Promise<void> | undefined;
  private cancelling: Promise<void> | undefined;
  private readonly drainWaiters = new DrainWaiters();
  private receivedSinceCheck = false;
  private stalledSince: number | undefined;
  private readonly watchdogTimer: ReturnType<typeof setInterval>;
  /**
   * Bumped whenever the channel deliveries came on is gone: a delivery of an older generation is no
   * longer live (RabbitMQ has requeued it), so a worker drops it instead of running a duplicate.
   */
  private channelGeneration = 0;
  /** Why the current channel is closing, from its 'error' event (which comes before 'close'). */
  private channelError: Error | undefined;
  private readonly outage: OutageReporter;
  private readonly unlisten: () => void;

  constructor(
    private readonly context: ConsumerContext,
    private readonly settings: AmqpConsumerSettings,
  ) {
    this.queues = [...settings.queues];
    this.outage = new OutageReporter(settings.onConnectionChange, (error) => this.report(error));
    this.unlisten = context.connection.listen({
      lost: (cause) => this.connectionLost(cause),
      retrying: (attempt, delayMs, cause) => this.outage.retrying(attempt, delayMs, cause),
    });
    this.watchdogTimer = setInterval(() => void this.checkStall(), Math.max(50, Math.floor(context.watchdogMs / 3)));
    this.watchdogTimer.unref();
  }

  get unsettled(): number {
    return this.unsettledDeliveries.size;
  }

  /** Deliveries of `queue` handed out and not settled (RabbitMQ reports unacked counts only over HTTP). */
  unsettledOf(queue: string): number {
    let count = 0;
    for (const entry of this.unsettledDeliveries.values()) if (entry.queue === queue) count += 1;
    return count;
  }

  async start(): Promise<void> {
    await this.subscribe(false);
  }

  /** The connection came back: subscribe on it (the old channel died with the old connection). */
  reconnected(): void {
    if (this.channel !== undefined) this.channelGeneration += 1;
    this.channel = undefined;
    this.resubscribeSoon(0);
  }

  cancel(options: { deadlineMs?: number } = {}): Promise<void> {
    this.cancelling ??= this.stopReceiving(options.deadlineMs ?? 0);
    return this.cancelling;
  }

  /** Drop the consumer as if its process died: close its channel without settling (RabbitMQ requeues). */
  async [LOSE_CONSUMER](): Promise<void> {
    if (this.state === 'stopped' || this.state === 'lost') return;
    this.state = 'lost';
    clearInterval(this.watchdogTimer);
    this.unlisten();
    this.channelGeneration += 1;
    const channel = this.channel;
    this.channel = undefined;
    this.unsettledDeliveries.clear();
    this.drainWaiters.wake();
    await channel?.close().catch(() => undefined);
    this.context.onStopped(this);
  }

  /** Stop RabbitMQ's deliveries without telling the consumer: the silent stall its watchdog exists for. */
  async [STALL_CONSUMER](): Promise<void> {
    const channel = this.channel;
    if (channel !== undefined) await Promise.all(this.consumerTags.map((tag) => channel.cancel(tag)));
  }

  /** `fresh` re-declares the queues: re-subscribing may follow a queue deleted under us. */
  private subscribe(fresh: boolean): Promise<void> {
    this.subscribing ??= this.openAndConsume(fresh).finally(() => (this.subscribing = undefined));
    return this.subscribing;
  }

  private async openAndConsume(fresh: boolean): Promise<void> {
    if (this.state !== 'running') return;
    const model = await this.context.connection.ready(30_000);
    for (const queue of this.queues) await this.context.ensureQueue(queue, fresh);
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => this.channelFailed(channel, error));
    channel.on('close', () => this.channelClosed(channel));
    // Each queue's share (per basic.consume) keeps one queue from filling the whole window, so the
    // queues take turns; the channel-wide (global) limit is the consumer's window. Quorum queues do
    // not support the global limit: there the shares alone bound it.
    const share = Math.max(1, Math.ceil(this.settings.prefetch / this.queues.length));
    if (this.context.perQueuePrefetch) await channel.prefetch(Math.max(1, Math.floor(this.settings.prefetch / this.queues.length)), false);
    else {
      await channel.prefetch(share, false);
      await channel.prefetch(this.settings.prefetch, true);
    }
    this.channel = channel;
    this.acks = new AckBatcher(channel);
    this.consumerTags = await this.consumeAll(channel);
    if (this.state !== 'running') await this.cancelTags(channel);
    else this.outage.restored();
  }

  /** All basic.consume frames at once: the first queue must not drain alone before the others are registered. */
  private async consumeAll(channel: Channel): Promise<string[]> {
    const replies = await Promise.all(this.queues.map((queue) => channel.consume(queue, (raw) => this.received(channel, queue, raw), { noAck: false })));
    return replies.map((reply) => reply.consumerTag);
  }

  private received(channel: Channel, queue: string, raw: ConsumeMessage | null): void {
    if (raw === null) {
      // RabbitMQ cancelled the consumer (queue deleted, quorum leader moved): subscribe again.
      this.report(new BrokerError(`RabbitMQ cancelled the consumer of "${queue}"; re-subscribing.`, { retryable: true }));
      if (this.channel === channel) void channel.close().catch(() => undefined);
      return;
    }
    // Arrived after cancel began: left unacked, so closing the channel gives it back.
    const acks = this.acks;
    if (this.state !== 'running' || this.channel !== channel || acks === undefined) return;
    this.receivedSinceCheck = true;
    const id = this.nextId++;
    acks.delivered(raw);
    this.unsettledDeliveries.set(id, { channel, acks, raw, queue });
    let message: BrokerMessage;
    try {
      message = this.context.decode(raw);
    } catch (error) {
      void this.settle(id, { kind: 'dead-letter', reason: { code: 'TQ_MALFORMED_MESSAGE', message: asError(error).message } }).catch((e: unknown) => this.report(asError(e)));
      return;
    }
    const generation = this.channelGeneration;
    const quorumCount = raw.properties.headers?.['x-delivery-count'];
    const deliveryCount = typeof quorumCount === 'number' ? quorumCount + 1 : raw.fields.redelivered ? 2 : 1;
    const delivery = new SettledDelivery({
      message,
      queue,
      redelivered: raw.fields.redelivered || deliveryCount > 1,
      deliveryCount,
      settle: (settlement) => this.settle(id, settlement),
      nackedReason: NACKED_REASON,
      isLive: () => generation === this.channelGeneration && this.unsettledDeliveries.has(id),
    });
    try {
      this.settings.handler(delivery);
    } catch (error) {
      this.report(asError(error), true);
    }
  }

  private settle(id: number, settlement: Settlement): Promise<void> {
    const entry = this.unsettledDeliveries.get(id);
    // Settled already, or its channel closed (RabbitMQ requeued it): nothing to do.
    if (entry === undefined) return Promise.resolve();
    if (settlement.kind === 'dead-letter') return this.deadLetterThenAck(id, entry, settlement.reason);
    this.unsettledDeliveries.delete(id);
    try {
      if (settlement.kind === 'requeue') entry.acks.nack(entry.raw, true);
      else entry.acks.ack(entry.raw);
    } catch {
      // Only a closed channel throws here, and closing it already gave the message back.
    }
    if (this.unsettledDeliveries.size === 0) this.drainWaiters.wake();
    return Promise.resolve();
  }

  private async deadLetterThenAck(id: number, entry: Unsettled, reason: DeadLetterReason): Promise<void> {
    try {
      await this.context.deadLetter(entry.queue, entry.raw, reason);
    } catch (error) {
      // Still unsettled: it stays with the consumer (and comes back if the channel closes).
      throw toBrokerError(error, `dead-lettering a message of "${entry.queue}"`);
    }
    this.settle(id, { kind: 'ack' }).catch(() => undefined);
  }

  /** RabbitMQ is closing the channel (a consumer_timeout, a deleted queue…): remember why for the loss report. */
  private channelFailed(channel: Channel, error: Error): void {
    const mapped = toBrokerError(error, `the channel of the consumer of ${this.queues.join(', ')}`);
    if (mapped instanceof AmqpConsumerTimeoutError && mapped.timeoutMs !== undefined) this.context.onConsumerTimeout(mapped.timeoutMs);
    if (this.channel === channel && this.state === 'running') this.channelError = mapped;
    else this.report(mapped);
  }

  private channelClosed(channel: Channel): void {
    for (const [id, entry] of this.unsettledDeliveries) if (entry.channel === channel) this.unsettledDeliveries.delete(id);
    if (this.unsettledDeliveries.size === 0) this.drainWaiters.wake();
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.channelGeneration += 1;
    const cause = this.channelError ?? new BrokerError(`The channel of the consumer of ${this.queues.join(', ')} closed; re-subscribing.`, { retryable: true });
    this.channelError = undefined;
    // Deferred: when the whole connection went, its 'close' (with the better cause) follows this one.
    setImmediate(() => {
      if (this.state === 'running' && this.channel === undefined) this.outage.lost(cause);
    });
    // A channel error on a live connection: re-subscribe; a lost connection re-subscribes through reconnected().
    if (this.state === 'running' && this.context.connection.connectedGeneration !== -1) this.resubscribeSoon(200);
  }

  private connectionLost(cause: Error): void {
    if (this.channel !== undefined) this.channelGeneration += 1;
    if (this.state === 'running') this.outage.lost(cause);
  }

  private resubscribeSoon(delayMs: number, attempt = 1): void {
    setTimeout(() => {
      if (this.state !== 'running' || this.channel !== undefined) return;
      this.subscribe(true).catch((error: unknown) => {
        const mapped = toBrokerError(error, `re-subscribing to ${this.queues.join(', ')}`);
        const nextMs = Math.min(5_000, 100 * 2 ** attempt);
        if (this.outage.listening && this.outage.out) this.outage.retrying(attempt, nextMs, mapped);
        else this.report(mapped);
        this.resubscribeSoon(nextMs, attempt + 1);
      });
    }, delayMs).unref();
  }

  /**
   * The silent stall: room in the window, ready messages waiting, nothing received for watchdogMs.
   * Recovery cancels and re-issues the basic.consume on the same channel, so in-flight deliveries stay valid.
   */
  private async checkStall(): Promise<void> {
    const received = this.receivedSinceCheck;
    this.receivedSinceCheck = false;
    const channel = this.channel;
    if (received || this.state !== 'running' || channel === undefined || this.unsettledDeliveries.size >= this.settings.prefetch) {
      this.stalledSince = undefined;
      return;
    }
    let ready = 0;
    try {
      for (const queue of this.queues) ready += await this.context.readyCount(queue);
    } catch {
      return;
    }
    if (ready === 0 || this.receivedSinceCheck) {
      this.stalledSince = undefined;
      return;
    }
    const now = Date.now();
    this.stalledSince ??= now;
    if (now - this.stalledSince < this.context.watchdogMs) return;
    this.stalledSince = undefined;
    this.report(
      new BrokerError(
        `The consumer of ${this.queues.join(', ')} received nothing for ${this.context.watchdogMs} ms while ${ready} messages waited and it had room; re-subscribing.`,
        { retryable: true },
      ),
    );
    try {
      await this.cancelTags(channel);
      this.consumerTags = await this.consumeAll(channel);
    } catch {
      await channel.close().catch(() => undefined);
    }
  }

  private async cancelTags(channel: Channel): Promise<void> {
    const tags = this.consumerTags;
    this.consumerTags = [];
    await Promise.all(tags.map((tag) => channel.cancel(tag).catch(() => undefined)));
  }

  private async stopReceiving(deadlineMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'cancelling';
    clearInterval(this.watchdogTimer);
    this.unlisten();
    await this.subscribing?.catch(() => undefined);
    const channel = this.channel;
    if (channel !== undefined) await this.cancelTags(channel);
    if (deadlineMs > 0 && this.unsettledDeliveries.size > 0) await this.drainWaiters.drained(deadlineMs);
    this.state = 'stopped';
    this.channel = undefined;
    this.channelGeneration += 1;
    try {
      this.acks?.flush();
    } catch {
      // The channel is gone already; RabbitMQ requeued what it held.
    }
    this.unsettledDeliveries.clear();
    this.drainWaiters.wake();
    // Closing the channel hands whatever is still unacked back to its queue, marked redelivered.
    await channel?.close().catch(() => undefined);
    this.context.onStopped(this);
  }

  private report(error: Error, fromHandler = false): void {
    reportConsumerError(this.settings.onError, error, fromHandler);
  }
}
