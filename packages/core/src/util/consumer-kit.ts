import type { DeliveryHandler } from '../contracts/broker.js';

/** What every broker's consumer is built with, from `Broker.consume` (`Queue` is the adapter's queue record). */
export interface ConsumerSettings<Queue = string> {
  readonly queues: readonly Queue[];
  readonly handler: DeliveryHandler;
  readonly prefetch: number;
  readonly onError: ((error: Error) => void) | undefined;
}

/** A timer that can be cancelled: what `DrainWaiters` needs from a clock. */
export type StartTimer = (callback: () => void, delayMs: number) => { cancel(): void };

const nativeTimer: StartTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  return { cancel: () => clearTimeout(timer) };
};

/**
 * What a consumer's `cancel({ deadlineMs })` waits on: resolves once the consumer says it holds
 * nothing unsettled (`wake()`), or after the deadline, whichever comes first.
 */
export class DrainWaiters {
  #waiters: (() => void)[] = [];

  /** @param startTimer the deadline's timer; a native (ref'd) setTimeout unless the adapter runs on a clock. */
  constructor(private readonly startTimer: StartTimer = nativeTimer) {}

  /** Resolves on the next `wake()`, or after `deadlineMs`. */
  drained(deadlineMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.startTimer(resolve, deadlineMs);
      this.#waiters.push(() => {
        timer.cancel();
        resolve();
      });
    });
  }

  /** Resolves every pending `drained()`: nothing is unsettled any more, or the consumer stopped. */
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Where a consumer's background error goes: to `onError` when given; without it, a handler's own
 * failure is thrown outside the dispatch loop (like an EventEmitter 'error' with no listener) and
 * the consumer's other trouble becomes a process warning.
 */
export function reportConsumerError(onError: ((error: Error) => void) | undefined, error: Error, fromHandler: boolean): void {
  if (onError !== undefined) onError(error);
  else if (fromHandler)
    queueMicrotask(() => {
      throw error;
    });
  else process.emitWarning(error);
}
