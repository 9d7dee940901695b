import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { BrokerError, TqError } from '@tq/core';
import type { AmqpConnection } from './connection.js';
import { AmqpBlockedError, asError, toBrokerError } from './errors.js';

/** How often outstanding confirms are checked against their deadline. */
const CONFIRM_SWEEP_MS = 100;

interface AwaitingConfirm {
  readonly deadline: number;
  readonly reject: (error: Error) => void;
}

/**
 * Publishes on one confirm channel per connection. publish() resolves when RabbitMQ confirmed the
 * message (persisted and routed); RabbitMQ confirms several at once (`multiple`) under load, and
 * amqplib settles them together. A publish caught by a lost connection is sent again on the next
 * one (at-least-once: a message confirmed by the old connection but not reported may repeat), until
 * publish.timeoutMs runs out.
 */
export class Publisher {
  private channel: ConfirmChannel | undefined;
  private channelGeneration = -1;
  private opening: Promise<ConfirmChannel> | undefined;
  /** Set while the socket buffer is full: later publishes wait for 'drain' (or the channel's end). */
  private draining: Promise<void> | undefined;
  private readonly awaiting = new Set<AwaitingConfirm>();
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly timeoutMs: number,
  ) {}

  /** Called on every (re)connect: the old channel died with its connection. */
  reset(): void {
    this.channel = undefined;
    this.channelGeneration = -1;
  }

  async publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, what: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      // The common case costs no await: a live channel on the current connection, not blocked.
      let channel = this.liveChannel();
      if (channel === undefined) {
        try {
          channel = await this.confirmChannel(Math.max(1, deadline - Date.now()));
          await this.connection.unblocked(Math.max(1, deadline - Date.now()));
        } catch (error) {
          throw toBrokerError(error, what);
        }
      }
      if (this.draining !== undefined) await this.draining;
      try {
        await this.send(channel, exchange, routingKey, content, options, deadline);
        return;
      } catch (error) {
        if (TqError.isInstance(error)) throw error;
        const lost = this.channel !== channel;
        if (!lost || Date.now() >= deadline) throw toBrokerError(nackOrError(error), what);
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * attempt)));
      }
    }
  }

  private liveChannel(): ConfirmChannel | undefined {
    const channel = this.channel;
    if (channel === undefined || this.channelGeneration !== this.connection.connectedGeneration || this.connection.blockedReason !== undefined) return undefined;
    return channel;
  }

  private send(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const awaiting: AwaitingConfirm = { deadline, reject };
      this.track(awaiting);
      let written: boolean;
      try {
        written = channel.publish(exchange, routingKey, content, options, (error: unknown) => {
          this.awaiting.delete(awaiting);
          if (error == null) resolve();
          else reject(asError(error));
        });
      } catch (error) {
        this.awaiting.delete(awaiting);
        reject(asError(error));
        return;
      }
      // Backpressure: stop feeding the socket until it drains (the confirm still settles this one).
      if (!written) this.draining ??= drained(channel).finally(() => (this.draining = undefined));
    });
  }

  /**
   * A confirm that does not come (a connection blocked mid-publish, a stuck server) fails by its
   * deadline. One sweep timer for all outstanding publishes, not a timer each.
   */
  private track(awaiting: AwaitingConfirm): void {
    this.awaiting.add(awaiting);
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const waiting of this.awaiting) {
        if (waiting.deadline > now) continue;
        this.awaiting.delete(waiting);
        const blocked = this.connection.blockedReason;
        waiting.reject(
          blocked !== undefined
            ? new AmqpBlockedError(blocked, this.timeoutMs)
            : new BrokerError(`AMQP broker: RabbitMQ did not confirm a publish within ${this.timeoutMs} ms; it may or may not have the message.`, { retryable: true }),
        );
      }
      if (this.awaiting.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, CONFIRM_SWEEP_MS);
    this.sweeper.unref();
  }

  private async confirmChannel(waitMs: number): Promise<ConfirmChannel> {
    const model = await this.connection.ready(waitMs);
    const generation = this.connection.connectedGeneration;
    if (this.channel !== undefined && this.channelGeneration === generation) return this.channel;
    this.opening ??= this.open(model, generation).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(model: ChannelModel, generation: number): Promise<ConfirmChannel> {
    const channel = await model.createConfirmChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (this.channel === channel) this.reset();
    });
    this.channel = channel;
    this.channelGeneration = generation;
    return channel;
  }
}

function nackOrError(error: unknown): Error {
  const reason = asError(error).message;
  if (/nack/i.test(reason)) {
    return new BrokerError(`RabbitMQ refused the message (${reason}): a queue may be full (x-overflow reject-publish) or out of resources.`, {
      cause: error,
      retryable: true,
    });
  }
  return asError(error);
}

function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}
