import type { ConnectionChange, Consumer } from '../contracts/broker.js';
import { setClockTimer } from '../util/clock.js';
import type { BrokerStore, DispatchTarget, StoredMessage } from './broker-store.js';
import { copyMessage } from './copy-value.js';
import { type ConsumerSettings, DrainWaiters, reportConsumerError } from '../util/consumer-kit.js';
import { SettledDelivery, type Settlement } from '../util/settled-delivery.js';

/**
 * The key of the method that drops a consumer as if its process died. A registered symbol rather
 * than an instanceof check, so the test hook works across the ESM and CJS copies of @tq/core.
 */
export const LOSE_CONSUMER = Symbol.for('tq.memory.loseConsumer');
/** The key of the method that simulates a connection outage (test hook, see simulate-outage.ts). */
export const SIMULATE_OUTAGE = Symbol.for('tq.memory.simulateOutage');

/** Drives a simulated outage: report retries, then restore the connection. */
export interface OutageControl {
  /** Report an attempt to reconnect (`retrying`, attempts counted from 1). */
  retry(delayMs?: number, cause?: Error): void;
  /** Report the connection back (`restored` with the outage's duration) and resume receiving. */
  restore(): void;
}

export interface MemoryConsumerSettings extends ConsumerSettings {
  readonly maxDeadLettersPerQueue: number;
  /** Told once the consumer has stopped for good (cancelled, or lost). */
  readonly onStopped: (consumer: MemoryConsumer) => void;
  readonly onConnectionChange: ((change: ConnectionChange) => void) | undefined;
}

interface Unsettled {
  readonly queue: string;
  readonly stored: StoredMessage;
}

export class MemoryConsumer implements Consumer, DispatchTarget {
  readonly queues: readonly string[];
  private readonly unsettledDeliveries = new Map<number, Unsettled>();
  private nextDeliveryId = 0;
  /** Index of the queue to try first next time: round-robin so no queue starves another. */
  private queueCursor = 0;
  private receiving = true;
  private stopped = false;
  private cancelling: Promise<void> | undefined;
  private readonly drainWaiters: DrainWaiters;

  constructor(
    private readonly store: BrokerStore,
    private readonly settings: MemoryConsumerSettings,
  ) {
    this.queues = [...settings.queues];
    this.drainWaiters = new DrainWaiters((callback, delayMs) => setClockTimer(store.clock, callback, delayMs));
    store.attach(this);
  }

  get unsettled(): number {
    return this.unsettledDeliveries.size;
  }

  canReceive(): boolean {
    return this.receiving && this.unsettledDeliveries.size < this.settings.prefetch;
  }

  receiveOne(): boolean {
    const count = this.queues.length;
    for (let offset = 0; offset < count; offset++) {
      const at = (this.queueCursor + offset) % count;
      const queue = this.queues[at] as string;
      const stored = this.store.takeReady(queue);
      if (stored === undefined) continue;
      this.queueCursor = (at + 1) % count;
      this.deliver(queue, stored);
      return true;
    }
    return false;
  }

  cancel(options: { deadlineMs?: number } = {}): Promise<void> {
    this.cancelling ??= this.stopReceiving(options.deadlineMs ?? 0);
    return this.cancelling;
  }

  /** Drop the consumer without settling anything, as if its process died: the test hook's body. */
  [LOSE_CONSUMER](): void {
    this.stop();
  }

  /** Stop receiving as if the connection dropped, report it like a network broker would, and hand back the controls. */
  [SIMULATE_OUTAGE](cause: Error): OutageControl {
    const { clock } = this.store;
    const lostAt = clock.now();
    const report = (change: ConnectionChange): void => this.settings.onConnectionChange?.(change);
    this.receiving = false;
    this.store.detach(this);
    // Without a listener the loss is an error the consumer recovers from, as on the network brokers.
    if (this.settings.onConnectionChange === undefined) reportConsumerError(this.settings.onError, cause, false);
    report({ state: 'lost', cause, at: lostAt });
    let attempt = 0;
    let restored = false;
    return {
      retry: (delayMs = 0, retryCause = cause) => {
        if (!restored) report({ state: 'retrying', attempt: ++attempt, delayMs, cause: retryCause });
      },
      restore: () => {
        if (restored || this.stopped) return;
        restored = true;
        this.receiving = true;
        this.store.attach(this);
        report({ state: 'restored', outageMs: clock.now() - lostAt });
      },
    };
  }

  private deliver(queue: string, stored: StoredMessage): void {
    stored.deliveryCount += 1;
    const id = this.nextDeliveryId++;
    this.unsettledDeliveries.set(id, { queue, stored });
    const delivery = new SettledDelivery({
      // Each delivery gets its own copy: a handler that mutates it must not change a redelivery.
      message: copyMessage(stored.message),
      queue,
      redelivered: stored.redelivered,
      deliveryCount: stored.deliveryCount,
      settle: (settlement) => this.settle(id, settlement),
    });
    try {
      this.settings.handler(delivery);
    } catch (error) {
      // The message stays unsettled (at-least-once); the failure is the handler's, so surface it.
      // Without onError it is thrown outside the dispatch loop, like an EventEmitter 'error' with no listener.
      reportConsumerError(this.settings.onError, error instanceof Error ? error : new Error(String(error)), true);
    }
  }

  private settle(id: number, settlement: Settlement): void {
    const entry = this.unsettledDeliveries.get(id);
    // Settled already, or given back when the consumer was cancelled or lost: its lease is gone.
    if (entry === undefined) return;
    this.unsettledDeliveries.delete(id);
    if (settlement.kind === 'ack') this.store.removeInFlight(entry.queue);
    else if (settlement.kind === 'requeue') this.store.returnInFlight(entry.queue, entry.stored);
    else this.store.deadLetterInFlight(entry.queue, entry.stored, settlement.reason, this.settings.maxDeadLettersPerQueue);
    if (this.unsettledDeliveries.size === 0) this.drainWaiters.wake();
  }

  private async stopReceiving(deadlineMs: number): Promise<void> {
    this.receiving = false;
    this.store.detach(this);
    if (deadlineMs > 0 && this.unsettledDeliveries.size > 0) await this.drainWaiters.drained(deadlineMs);
    this.stop();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.receiving = false;
    this.store.detach(this);
    // Give back in reverse so the front of each queue ends up in the original delivery order.
    const unsettled = [...this.unsettledDeliveries.values()].reverse();
    this.unsettledDeliveries.clear();
    for (const entry of unsettled) this.store.returnInFlight(entry.queue, entry.stored);
    this.drainWaiters.wake();
    this.settings.onStopped(this);
  }
}
