import { type Clock, systemClock } from '@tq/core';

export type ClockTimer = ReturnType<Required<Clock>['setTimer']>;

/** Schedule on `clock`'s own timers when it has them, else on unref'd native ones (they never keep a process alive). */
export function setClockTimer(clock: Clock, callback: () => void, delayMs: number): ClockTimer {
  return clock.setTimer !== undefined ? clock.setTimer(callback, delayMs) : systemClock.setTimer(callback, delayMs);
}

/** Resolve after `delayMs` on `clock`. */
export function sleepOn(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => setClockTimer(clock, resolve, delayMs));
}
