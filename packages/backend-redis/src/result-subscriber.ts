import { type Clock, type ClockTimer, type TaskMeta, TimeoutError, type WaitOptions, isReadyState, setClockTimer, systemClock } from '@tq/core';
import type { Redis } from 'ioredis';
import { closeConnection } from './connections.js';

export interface ResultSubscriberOptions {
  /** Opens the pub/sub connection, on the first wait. */
  createConnection(): Redis;
  /** The bytes stored at `key` now, or null. */
  read(key: string): Promise<Uint8Array | null>;
  decode(taskId: string, bytes: Uint8Array, key: string): TaskMeta;
  /** Maps a failed read to the error a waiter rejects with. */
  readError(error: unknown, taskId: string): Error;
  clock: Clock | undefined;
}

interface Waiter {
  resolve(meta: TaskMeta): void;
  reject(error: unknown): void;
}

/** Everyone waiting on one result key, and the subscription to the channel of the same name. */
interface Channel {
  readonly key: string;
  readonly taskId: string;
  readonly waiters: Set<Waiter>;
  /** Settles when Redis has acknowledged the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

/**
 * waitFor without polling: one pub/sub connection per backend, one subscription per awaited key
 * (Celery publishes each stored result on a channel named like its key), shared by every waiter on
 * that key and dropped when the last one leaves.
 *
 * A publish can only be missed while not subscribed, so each waiter reads the key once after its
 * subscription is acknowledged, and every awaited key is read again after the subscriber
 * reconnects and has re-subscribed (anything stored during the outage was published to nobody).
 */
export class ResultSubscriber {
  private connection: Redis | undefined;
  private readonly channels = new Map<string, Channel>();
  private hasBeenReady = false;
  private closed = false;

  constructor(private readonly options: ResultSubscriberOptions) {}

  wait(taskId: string, key: string, { timeoutMs, signal }: WaitOptions): Promise<TaskMeta> {
    return new Promise<TaskMeta>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      let timer: ClockTimer | undefined;
      const finish = (outcome: () => void): void => {
        if (!channel.waiters.has(waiter)) return; // settled already
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.leave(channel, waiter);
        outcome();
      };
      const waiter: Waiter = {
        resolve: (meta) => finish(() => resolve(meta)),
        reject: (error) => finish(() => reject(error)),
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      const channel = this.join(taskId, key, waiter);
      if (timeoutMs !== undefined) {
        const timeout = (): void => waiter.reject(new TimeoutError(`Task ${taskId} was not ready within ${timeoutMs} ms.`));
        timer = setClockTimer(this.options.clock ?? systemClock, timeout, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      channel.subscribed.then(
        () => this.readStored(channel, [waiter], 'reject'),
        (error: unknown) => waiter.reject(this.options.readError(error, taskId)),
      );
    });
  }

  /** Reject every pending wait with `error` and close the pub/sub connection. */
  async close(error: Error): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const channel of [...this.channels.values()]) {
      for (const waiter of [...channel.waiters]) waiter.reject(error);
    }
    if (this.connection !== undefined) await closeConnection(this.connection);
  }

  private join(taskId: string, key: string, waiter: Waiter): Channel {
    let channel = this.channels.get(key);
    if (channel === undefined) {
      channel = { key, taskId, waiters: new Set(), subscribed: this.subscriber().subscribe(key) };
      this.channels.set(key, channel);
    }
    channel.waiters.add(waiter);
    return channel;
  }

  private leave(channel: Channel, waiter: Waiter): void {
    channel.waiters.delete(waiter);
    if (channel.waiters.size > 0 || this.channels.get(channel.key) !== channel) return;
    this.channels.delete(channel.key);
    // Commands on one connection run in order, so a later SUBSCRIBE to the same key still wins.
    if (!this.closed) this.connection?.unsubscribe(channel.key).catch(() => undefined);
  }

  private subscriber(): Redis {
    if (this.connection !== undefined) return this.connection;
    const connection = this.options.createConnection();
    connection.on('messageBuffer', (channelName: Buffer, payload: Buffer) => this.onMessage(channelName.toString(), payload));
    connection.on('ready', () => this.onReady(connection));
    // Connection errors are retried by ioredis and bounded per waiter by its timeout; without a
    // listener they would still be emitted silently, but an explicit one documents that choice.
    connection.on('error', () => undefined);
    this.connection = connection;
    return connection;
  }

  private onMessage(key: string, payload: Uint8Array): void {
    const channel = this.channels.get(key);
    if (channel === undefined) return;
    let meta: TaskMeta;
    try {
      meta = this.options.decode(channel.taskId, payload, key);
    } catch {
      // Not a meta we can read (another publisher on the channel?): the stored value decides.
      void this.readStored(channel, [...channel.waiters], 'keep-waiting');
      return;
    }
    if (!isReadyState(meta.status)) return;
    for (const waiter of [...channel.waiters]) {
      // Each waiter gets its own copy, so one caller mutating its result cannot affect another.
      waiter.resolve(this.options.decode(channel.taskId, payload, key));
    }
  }

  private onReady(connection: Redis): void {
    if (!this.hasBeenReady) {
      this.hasBeenReady = true;
      return;
    }
    // A reconnect: subscriptions are gone with the old socket, and so is anything published meanwhile.
    const channels = [...this.channels.values()];
    if (channels.length === 0 || this.closed) return;
    connection.subscribe(...channels.map((channel) => channel.key)).then(
      () => {
        for (const channel of channels) void this.readStored(channel, [...channel.waiters], 'keep-waiting');
      },
      // The connection dropped again; its next 'ready' re-subscribes and re-reads.
      () => undefined,
    );
  }

  /**
   * Resolve `waiters` if `channel`'s key holds a ready state. A failed read rejects them on the
   * first check; on a re-check it leaves them waiting, since the next reconnect re-reads anyway
   * and each wait is bounded by its own timeout.
   */
  private async readStored(channel: Channel, waiters: readonly Waiter[], onReadError: 'reject' | 'keep-waiting'): Promise<void> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.options.read(channel.key);
    } catch (error) {
      if (onReadError === 'reject') for (const waiter of waiters) waiter.reject(this.options.readError(error, channel.taskId));
      return;
    }
    if (bytes === null) return;
    for (const waiter of waiters) {
      try {
        const meta = this.options.decode(channel.taskId, bytes, channel.key);
        if (isReadyState(meta.status)) waiter.resolve(meta);
      } catch (error) {
        waiter.reject(error);
      }
    }
  }
}
