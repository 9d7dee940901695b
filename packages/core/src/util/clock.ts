/**
 * Time and timers behind one seam, so adapters can be tested without real waiting
 * (ARCHITECTURE §6: time is injectable).
 */

/** A scheduled callback; cancelling twice or after it ran is a no-op. */
export interface ClockTimer {
  cancel(): void;
}

export interface Clock {
  /** The current time in epoch ms. */
  now(): number;
  /**
   * Run `callback` once, `delayMs` from now on this clock. Timers never keep the process alive:
   * a library must not stop a script from exiting just because a delayed message is pending.
   * Optional so a bare `{ now }` works as a fixed clock; `setClockTimer` then uses native timers.
   */
  setTimer?(callback: () => void, delayMs: number): ClockTimer;
}

// setTimeout keeps its delay in a signed 32-bit int and fires at once beyond it (~24.8 days),
// so longer delays are split into hops.
const LONGEST_NATIVE_DELAY_MS = 2 ** 31 - 1;

/** Wall-clock time with unref'd native timers. */
export const systemClock: Required<Clock> = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const dueAt = Date.now() + Math.max(0, delayMs);
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      const remaining = dueAt - Date.now();
      handle = setTimeout(
        () => {
          if (dueAt - Date.now() > 0) arm();
          else callback();
        },
        Math.min(Math.max(0, remaining), LONGEST_NATIVE_DELAY_MS),
      );
      handle.unref();
    };
    arm();
    return {
      cancel: () => {
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  },
};

/**
 * Schedule on `clock`'s own timers when it has them, else on unref'd native timers.
 * Callers re-check `clock.now()` when the timer fires: with a clock that has no timers of its own,
 * native time and clock time can disagree.
 */
export function setClockTimer(clock: Clock, callback: () => void, delayMs: number): ClockTimer {
  return clock.setTimer !== undefined ? clock.setTimer(callback, delayMs) : systemClock.setTimer(callback, delayMs);
}

/** Resolve after `delayMs` on `clock` (its own timers, else unref'd native ones). */
export function sleepOn(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => setClockTimer(clock, resolve, delayMs));
}

/** A clock that moves only when told to: for deterministic tests of delays and expiry. */
export interface ManualClock extends Required<Clock> {
  /** Move time forward by `ms`, running every timer that falls due, in due order. */
  advance(ms: number): void;
  /** Timers scheduled and not yet run or cancelled. */
  readonly pendingTimers: number;
}

interface ManualTimer {
  readonly dueAt: number;
  readonly order: number;
  readonly callback: () => void;
}

// A timer callback that keeps scheduling zero-delay timers would otherwise spin advance() forever.
const MAX_TIMERS_PER_ADVANCE = 100_000;

export function createManualClock(startMs = 0): ManualClock {
  let current = startMs;
  let scheduled = 0;
  const timers = new Set<ManualTimer>();

  const nextDue = (limit: number): ManualTimer | undefined => {
    let next: ManualTimer | undefined;
    for (const timer of timers) {
      if (timer.dueAt > limit) continue;
      if (next === undefined || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.order < next.order)) next = timer;
    }
    return next;
  };

  return {
    now: () => current,
    setTimer(callback, delayMs) {
      const timer: ManualTimer = { dueAt: current + Math.max(0, delayMs), order: scheduled++, callback };
      timers.add(timer);
      return { cancel: () => void timers.delete(timer) };
    },
    advance(ms) {
      const target = current + Math.max(0, ms);
      for (let ran = 0; ; ran++) {
        if (ran >= MAX_TIMERS_PER_ADVANCE) throw new Error(`ManualClock.advance ran ${ran} timers; a timer keeps rescheduling itself.`);
        const timer = nextDue(target);
        if (timer === undefined) break;
        timers.delete(timer);
        current = Math.max(current, timer.dueAt);
        timer.callback();
      }
      current = target;
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}
