import type { Redis } from 'ioredis';
import { setClockTimer, type Clock, type ClockTimer } from '@tq/core';
import { asError, toBrokerError } from './errors.js';
import type { KeyLayout } from './key-layout.js';
import { runScript } from './lua-scripts.js';

export interface DelayPromoterSettings {
  readonly client: Redis;
  readonly keys: KeyLayout;
  readonly queues: readonly string[];
  readonly clock: Clock;
  /** Longest sleep between checks: bounds the lateness of messages delayed by other processes. */
  readonly checkEveryMs: number;
  readonly onError: (error: Error) => void;
}

/** Due messages moved per script call; a full batch means look again at once. */
const PROMOTE_BATCH = 1_000;

/**
 * Moves due delayed messages of a consumer's queues to their ready lists (atomically, in Lua),
 * sleeping until the earliest due time it saw, but never longer than `checkEveryMs`. The
 * promotion itself wakes the consumers blocked on those lists.
 */
export class DelayPromoter {
  private timer: ClockTimer | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private running = false;
  private stopped = false;
  /** Due times announced while a promotion was running, which its result may not include. */
  private announcedDueAt = Number.POSITIVE_INFINITY;

  constructor(private readonly settings: DelayPromoterSettings) {}

  start(): void {
    void this.promote();
  }

  /** A message was delayed until `deliverAt` through this process: wake up for it if that is sooner. */
  delayed(deliverAt: number): void {
    if (this.stopped || deliverAt >= this.timerDueAt) return;
    if (this.running) {
      this.announcedDueAt = Math.min(this.announcedDueAt, deliverAt);
      return;
    }
    this.arm(Math.max(0, deliverAt - this.settings.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timerDueAt = this.settings.clock.now() + delayMs;
    this.timer = setClockTimer(this.settings.clock, () => void this.promote(), delayMs);
  }

  private async promote(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.timerDueAt = Number.POSITIVE_INFINITY;
    this.announcedDueAt = Number.POSITIVE_INFINITY;
    const { client, keys, queues, clock, checkEveryMs } = this.settings;
    let nextCheckMs = checkEveryMs;
    try {
      const now = clock.now();
      const results = await Promise.all(
        queues.map((queue) => runScript(client, 'promote', [keys.queue(queue).delayed, ...keys.queue(queue).ready], [now, PROMOTE_BATCH])),
      );
      for (const result of results) {
        const [moved, nextDue] = result as [number, string];
        if (moved >= PROMOTE_BATCH) nextCheckMs = 0;
        const dueAt = Number(nextDue);
        if (dueAt >= 0) nextCheckMs = Math.min(nextCheckMs, Math.max(0, dueAt - clock.now()));
      }
    } catch (error) {
      if (!this.stopped) this.settings.onError(toBrokerError(asError(error), 'promoting delayed messages'));
    } finally {
      this.running = false;
    }
    this.arm(Math.min(nextCheckMs, Math.max(0, this.announcedDueAt - clock.now())));
  }
}
