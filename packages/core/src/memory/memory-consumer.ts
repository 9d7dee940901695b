import type { Consumer, DeliveryHandler } from '../contracts/broker.js';
import { setClockTimer } from '../util/clock.js';
import type { BrokerStore, DispatchTarget, StoredMessage } from './broker-store.js';
import { copyMessage } from './copy-value.js';
import { MemoryDelivery, type Settlement } from './memory-delivery.js';

/**
 * The key of the method that drops a consumer as if its process died. A registered symbol rather
 * than an instanceof check, so the test hook works across the ESM and CJS copies of @tq/core.
 */
export const LOSE_CONSUMER = Symbol.for('tq.memory.loseConsumer');

export interface MemoryConsumerSettings {
  readonly queues: readonly string[];
  readonly handler: DeliveryHandler;
  readonly prefetch: number;
  readonly onError: ((error: Error) => void) | undefined;
  readonly maxDeadLettersPerQueue: number;
  /** Told once the consumer has stopped for good (cancelled, or lost). */
  readonly onStopped: (consumer: MemoryConsumer) => void;
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
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly store: BrokerStore,
    private readonly settings: MemoryConsumerSettings,
  ) {
    this.queues = [...settings.queues];
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

  private deliver(queue: string, stored: StoredMessage): void {
    stored.deliveryCount += 1;
    const id = this.nextDeliveryId++;
    this.unsettledDeliveries.set(id, { queue, stored });
    const delivery = new MemoryDelivery({
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
      this.report(error instanceof Error ? error : new Error(String(error)));
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
    if (this.unsettledDeliveries.size === 0) this.wakeDrainWaiters();
  }

  private async stopReceiving(deadlineMs: number): Promise<void> {
    this.receiving = false;
    this.store.detach(this);
    if (deadlineMs > 0 && this.unsettledDeliveries.size > 0) await this.drained(deadlineMs);
    this.stop();
  }

  /** Resolves once nothing is unsettled, or after `deadlineMs`, whichever comes first. */
  private drained(deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setClockTimer(this.store.clock, () => resolve(), deadlineMs);
      this.drainWaiters.push(() => {
        timer.cancel();
        resolve();
      });
    });
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
    this.wakeDrainWaiters();
    this.settings.onStopped(this);
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private report(error: Error): void {
    if (this.settings.onError !== undefined) this.settings.onError(error);
    // Without onError, fail loudly like an EventEmitter 'error' with no listener, outside the dispatch loop.
    else
      queueMicrotask(() => {
        throw error;
      });
  }
}
