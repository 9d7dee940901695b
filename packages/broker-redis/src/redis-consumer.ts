import type { Redis } from 'ioredis';
import { DrainWaiters, SettledDelivery, reportConsumerError, type Clock, type ConnectionChange, type Consumer, type ConsumerSettings, type Settlement } from '@tq/core';
import { ConnectionWatch } from './connection-watch.js';
import { DelayPromoter } from './delay-promoter.js';
import { asError, toBrokerError } from './errors.js';
import { type DecodedEnvelope, decodeEnvelope, rawEntryMessage } from './kombu-envelope.js';
import type { KeyLayout } from './key-layout.js';
import { LeaseKeeper } from './lease-keeper.js';
import { runScript } from './lua-scripts.js';
import { ReadyWaiter } from './ready-waiter.js';
import { applySettlement } from './settlement.js';
import { StallWatchdog } from './stall-watchdog.js';
import { TurnBatcher } from './turn-batcher.js';
import { type Reserved, reserve } from './reservation.js';

/**
 * The key of the method that drops a consumer as if its process died. A registered symbol, so the
 * test hook works across the ESM and CJS copies of this package.
 */
export const LOSE_CONSUMER = Symbol.for('tq.redis.loseConsumer');

/** The broker's resolved options that every consumer runs with. */
export interface ConsumerTimings {
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  readonly blockTimeoutMs: number;
  readonly watchdogMs: number;
  readonly delayedCheckMs: number;
  readonly maxDeadLettersPerQueue: number;
  /** Deliveries of one message before the next reservation dead-letters it instead (TQ_DELIVERY_LIMIT). */
  readonly deliveryLimit: number;
}

export interface ConsumerContext extends ConsumerTimings {
  readonly client: Redis;
  readonly keys: KeyLayout;
  readonly consumerId: string;
  /** A new connection for blocking waits. */
  readonly connectBlocking: () => Redis;
  /** Told once the consumer has stopped for good (cancelled, or lost). */
  readonly onStopped: (consumer: RedisConsumer) => void;
  /** ConsumeOptions.onConnectionChange: outages of the command connection. */
  readonly onConnectionChange: ((change: ConnectionChange) => void) | undefined;
  readonly displayUrl: string;
}

type ConsumerState = 'running' | 'cancelling' | 'stopped' | 'lost';

export class RedisConsumer implements Consumer {
  readonly queues: readonly string[];
  /** Delivery id → queue, for deliveries handed out and not settled. */
  private readonly unsettledDeliveries = new Map<number, string>();
  private state: ConsumerState = 'running';
  private nextDeliveryId = 1;
  /** Index of the queue offered the first share next time: round-robin so none starves. */
  private queueCursor = 0;
  private reservation: Promise<void> | undefined;
  private reservationRequested = false;
  private cancelling: Promise<void> | undefined;
  private readonly drainWaiters = new DrainWaiters();
  private readonly leaseKeeper: LeaseKeeper;
  private readonly waiter: ReadyWaiter;
  private readonly promoter: DelayPromoter;
  private readonly watchdog: StallWatchdog;
  private readonly connectionWatch: ConnectionWatch | undefined;
  /** The acks of one event-loop turn: one HDEL per in-flight hash. */
  private readonly acks: TurnBatcher;

  constructor(
    private readonly context: ConsumerContext,
    private readonly settings: ConsumerSettings,
  ) {
    this.queues = [...settings.queues];
    // Refill once half the window is free: reservations then come in batches even at a small
    // prefetch, instead of one script call per finished task.
    this.acks = new TurnBatcher((inFlight, ids) => context.client.hdel(inFlight, ...ids), {
      // Reserving after the HDELs are issued (same connection) keeps the in-flight hash within the window.
      afterFlush: () => {
        if (this.settings.prefetch - this.unsettledDeliveries.size >= Math.ceil(this.settings.prefetch / 2)) this.requestReservation();
      },
    });
    const report = (error: Error): void => this.report(error);
    this.leaseKeeper = new LeaseKeeper({
      client: context.client,
      keys: context.keys,
      consumerId: context.consumerId,
      queues: this.queues,
      leaseMs: context.leaseMs,
      renewEveryMs: context.renewEveryMs,
      holdsDeliveries: (queue) => [...this.unsettledDeliveries.values()].includes(queue),
      afterRenewal: () => this.watchdog.check(),
      onError: report,
    });
    this.waiter = new ReadyWaiter({
      lists: this.queues.flatMap((queue) => context.keys.queue(queue).ready),
      connect: context.connectBlocking,
      blockTimeoutMs: context.blockTimeoutMs,
      onReady: () => this.requestReservation(),
      onError: report,
    });
    this.watchdog = new StallWatchdog({
      client: context.client,
      lists: this.queues.flatMap((queue) => context.keys.queue(queue).ready),
      watchdogMs: context.watchdogMs,
      describe: () => `Consumer ${context.consumerId} of ${this.queues.join(', ')}`,
      hasRoom: () => this.state === 'running' && this.unsettledDeliveries.size < this.settings.prefetch,
      recover: (error) => {
        this.report(error);
        this.waiter.recreate();
        this.requestReservation();
      },
    });
    const onConnectionChange = context.onConnectionChange;
    if (onConnectionChange !== undefined) this.connectionWatch = new ConnectionWatch(context.client, context.clock, context.displayUrl, onConnectionChange);
    this.promoter = new DelayPromoter({
      client: context.client,
      keys: context.keys,
      queues: this.queues,
      clock: context.clock,
      checkEveryMs: context.delayedCheckMs,
      onError: report,
    });
  }

  get unsettled(): number {
    return this.unsettledDeliveries.size;
  }

  /** Register the lease (reaping dead consumers on the way), then start receiving. */
  async start(): Promise<void> {
    await this.leaseKeeper.start();
    this.promoter.start();
    this.requestReservation();
  }

  /** A message was delayed through this process on one of our queues. */
  delayedPublished(queue: string, deliverAt: number): void {
    if (this.queues.includes(queue)) this.promoter.delayed(deliverAt);
  }

  cancel(options: { deadlineMs?: number } = {}): Promise<void> {
    this.cancelling ??= this.stopReceiving(options.deadlineMs ?? 0);
    return this.cancelling;
  }

  /** Drop the consumer without settling anything, as if its process died: the test hook's body. */
  [LOSE_CONSUMER](): void {
    if (this.state === 'stopped' || this.state === 'lost') return;
    this.state = 'lost';
    this.connectionWatch?.stop();
    this.leaseKeeper.stop();
    this.waiter.stop();
    this.promoter.stop();
    // Its in-flight messages stay in Redis under the lease that is no longer renewed.
    this.unsettledDeliveries.clear();
    this.drainWaiters.wake();
    this.context.onStopped(this);
  }

  private requestReservation(): void {
    if (this.state !== 'running') return;
    if (this.reservation !== undefined) {
      this.reservationRequested = true;
      return;
    }
    this.reservationRequested = false;
    this.reservation = this.reserveUntilFullOrEmpty()
      .catch((error: unknown) => this.report(toBrokerError(asError(error), 'reserving messages')))
      .finally(() => {
        this.reservation = undefined;
        if (this.reservationRequested) this.requestReservation();
      });
  }

  /**
   * Fill the free prefetch window from the queues, a share per queue in turn, until it is full
   * (acks will ask again) or every queue came back short (then block until a list has a message).
   */
  private async reserveUntilFullOrEmpty(): Promise<void> {
    const emptyQueues = new Set<string>();
    while (this.state === 'running') {
      const capacity = this.settings.prefetch - this.unsettledDeliveries.size;
      if (capacity <= 0) return;
      const order = this.queues.map((_, offset) => this.queues[(this.queueCursor + offset) % this.queues.length] as string);
      const candidates = order.filter((queue) => !emptyQueues.has(queue));
      if (candidates.length === 0) {
        this.waiter.arm();
        return;
      }
      this.queueCursor = (this.queueCursor + 1) % this.queues.length;
      const shares = candidates
        .map((queue, index) => ({ queue, count: Math.floor(capacity / candidates.length) + (index < capacity % candidates.length ? 1 : 0) }))
        .filter((share) => share.count > 0);
      const batches = await Promise.all(shares.map((share) => this.reserveFrom(share.queue, share.count)));
      shares.forEach((share, index) => {
        if ((batches[index]?.length ?? 0) < share.count) emptyQueues.add(share.queue);
      });
      // Interleave the queues' batches so a handler sees them take turns.
      const longest = Math.max(0, ...batches.map((batch) => batch.length));
      for (let position = 0; position < longest; position++) {
        for (const [index, batch] of batches.entries()) {
          const reserved = batch[position];
          if (reserved !== undefined) this.deliver(shares[index]?.queue as string, reserved);
        }
      }
    }
  }

  /** One reserve script call, repeated with the same ids until it answers (it is idempotent per id range). */
  private async reserveFrom(queue: string, count: number): Promise<Reserved[]> {
    const firstId = this.nextDeliveryId;
    this.nextDeliveryId += count;
    for (let attempt = 0; ; attempt++) {
      try {
        const reserved = await reserve(this.context, queue, firstId, count);
        if (reserved.length > 0) this.watchdog.received();
        return reserved;
      } catch (error) {
        // Whatever a lost reply reserved stays in our in-flight hash: cancel releases it, a lease expiry reaps it.
        if (this.state !== 'running') return [];
        this.report(toBrokerError(asError(error), `reserving messages from "${queue}"`));
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)).unref());
      }
    }
  }

  private deliver(queue: string, reserved: Reserved): void {
    // Reserved while cancel began: it stays in the in-flight hash, and cancel gives it back.
    if (this.state !== 'running') return;
    let decoded: DecodedEnvelope;
    try {
      decoded = decodeEnvelope(reserved.raw, reserved.level);
    } catch {
      // Not a kombu envelope (a raw LPUSH, invalid JSON): delivered as its bytes, so the handler (a
      // worker) rejects it as malformed and counts it; the dead letter keeps it byte for byte.
      decoded = { message: rawEntryMessage(reserved.raw), restoredByKombu: false };
    }
    this.unsettledDeliveries.set(reserved.id, queue);
    const redelivered = reserved.deliveryCount > 1 || decoded.restoredByKombu;
    const delivery = new SettledDelivery({
      message: decoded.message,
      queue,
      redelivered,
      // kombu restores without counting; it was delivered at least once before.
      deliveryCount: decoded.restoredByKombu ? Math.max(2, reserved.deliveryCount) : reserved.deliveryCount,
      settle: (settlement) => this.settle(reserved.id, settlement),
    });
    try {
      this.settings.handler(delivery);
    } catch (error) {
      // The message stays unsettled (at-least-once); the failure is the handler's, so surface it.
      this.report(asError(error), true);
    }
  }

  private async settle(id: number, settlement: Settlement): Promise<void> {
    const queue = this.unsettledDeliveries.get(id);
    // Settled already, given back on cancel, or the consumer was lost: nothing to do.
    if (queue === undefined) return;
    this.unsettledDeliveries.delete(id);
    // Issued before the next reservation on the same connection, so Redis never sees more than
    // prefetch: acks reserve again once their batch is flushed, other settlements right away.
    const applied =
      settlement.kind === 'ack' ? this.acks.add(this.context.keys.inFlight(queue, this.context.consumerId), String(id)) : applySettlement(this.context, queue, id, settlement);
    if (this.unsettledDeliveries.size === 0) this.drainWaiters.wake();
    if (settlement.kind !== 'ack') this.requestReservation();
    try {
      await applied;
    } catch (error) {
      throw toBrokerError(asError(error), `settling (${settlement.kind}) a message of "${queue}"`);
    }
  }

  private async stopReceiving(deadlineMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'cancelling';
    this.waiter.stop();
    this.promoter.stop();
    await this.reservation;
    if (deadlineMs > 0 && this.unsettledDeliveries.size > 0) await this.drainWaiters.drained(deadlineMs);
    if (this.state !== 'cancelling') return;
    this.state = 'stopped';
    // Whatever is still unsettled goes back to the head of its queue, counted as delivered.
    this.unsettledDeliveries.clear();
    this.drainWaiters.wake();
    const { client, keys, consumerId } = this.context;
    // Acked messages must leave the in-flight hash before the release below gives the rest back.
    this.acks.flush();
    try {
      await Promise.all(
        this.queues.map((queue) => {
          const queueKeys = keys.queue(queue);
          return runScript(client, 'release', [queueKeys.consumers, queueKeys.counts, ...queueKeys.ready], [queueKeys.inFlightPrefix, '0', consumerId]);
        }),
      );
    } catch (error) {
      // Not lost: the lease is no longer renewed, so another consumer reaps them once it expires.
      this.report(toBrokerError(asError(error), 'giving unsettled messages back on cancel'));
    } finally {
      this.connectionWatch?.stop();
      this.leaseKeeper.stop();
      this.context.onStopped(this);
    }
  }

  private report(error: Error, fromHandler = false): void {
    reportConsumerError(this.settings.onError, error, fromHandler);
  }
}
