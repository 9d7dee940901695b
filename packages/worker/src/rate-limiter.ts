import { setClockTimer, type Clock, type Delivery } from '@tq/core';

/**
 * Celery's per-task rate limit, per worker: a token bucket per task name (kombu's TokenBucket with
 * capacity 1, as Celery's consumer builds it), so starts are spaced 1/rate apart and never burst.
 * Deliveries that find no token wait here, in order, without a concurrency slot; they stay unacked,
 * so the broker's prefetch window bounds how many can wait.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TaskBucket>();

  /**
   * @param limitOf tasks per second for a task name, or null when it is not limited
   * @param release called with a delivery when its token is available
   */
  constructor(
    private readonly clock: Clock,
    private readonly limitOf: (taskName: string) => number | null,
    private readonly release: (delivery: Delivery) => void,
  ) {}

  /** Deliveries waiting for a token. */
  get held(): number {
    let count = 0;
    for (const bucket of this.buckets.values()) count += bucket.waiting.length;
    return count;
  }

  /** True when the delivery may go on now; false when it is held and will be released later. */
  admit(delivery: Delivery): boolean {
    const { task, eta, expires } = delivery.message.headers;
    // A malformed message goes on to be dead-lettered; one not due yet is rescheduled and one
    // expired is revoked without running, so neither spends a token (Celery limits eta tasks once due).
    if (typeof task !== 'string') return true;
    const now = this.clock.now();
    if (instant(eta) > now || instant(expires) <= now) return true;
    const bucket = this.bucketFor(task);
    if (bucket === undefined) return true;
    // Waiting deliveries go first: a newcomer never overtakes them.
    if (bucket.waiting.length === 0 && bucket.take(now)) return true;
    bucket.waiting.push(delivery);
    this.schedule(bucket);
    return false;
  }

  /**
   * The task's rate changed (remote control's rate_limit): its bucket starts over at the new rate,
   * and what waited is released at once when the limit is lifted (Celery's reset_rate_limits).
   */
  reset(taskName: string): void {
    const bucket = this.buckets.get(taskName);
    if (bucket === undefined) return;
    this.buckets.delete(taskName);
    bucket.timer?.cancel();
    const waiting = bucket.waiting.splice(0);
    const next = this.bucketFor(taskName);
    if (next === undefined) {
      for (const delivery of waiting) this.release(delivery);
      return;
    }
    next.waiting.push(...waiting);
    if (next.waiting.length > 0) this.schedule(next);
  }

  /** Stop all timers and hand back every held delivery (for shutdown, to be returned to the broker). */
  drain(): Delivery[] {
    const held: Delivery[] = [];
    for (const bucket of this.buckets.values()) {
      bucket.timer?.cancel();
      bucket.timer = undefined;
      held.push(...bucket.waiting.splice(0));
    }
    return held;
  }

  private bucketFor(taskName: string): TaskBucket | undefined {
    let bucket = this.buckets.get(taskName);
    if (bucket === undefined) {
      const perSecond = this.limitOf(taskName);
      if (perSecond === null) return undefined;
      bucket = new TaskBucket(perSecond, this.clock.now());
      this.buckets.set(taskName, bucket);
    }
    return bucket;
  }

  private schedule(bucket: TaskBucket): void {
    if (bucket.timer !== undefined) return;
    const delayMs = Math.max(1, Math.ceil(bucket.msUntilToken(this.clock.now())));
    bucket.timer = setClockTimer(this.clock, () => {
      bucket.timer = undefined;
      this.releaseDue(bucket);
    }, delayMs);
  }

  private releaseDue(bucket: TaskBucket): void {
    while (bucket.waiting.length > 0 && bucket.take(this.clock.now())) this.release(bucket.waiting.shift()!);
    // A timer can fire a little early (native timers under a clock without its own): wait again.
    if (bucket.waiting.length > 0) this.schedule(bucket);
  }
}

/** One task's tokens (at most one: capacity 1) and the deliveries waiting for them. */
class TaskBucket {
  readonly waiting: Delivery[] = [];
  timer: { cancel(): void } | undefined;
  private tokens = 1;

  constructor(
    private readonly perSecond: number,
    private updatedAt: number,
  ) {}

  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  msUntilToken(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.perSecond) * 1_000;
  }

  private refill(now: number): void {
    // A wall clock stepped backwards adds nothing rather than removing tokens.
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(1, this.tokens + (elapsedMs / 1_000) * this.perSecond);
    this.updatedAt = now;
  }
}

/** A Celery eta/expires header (ISO 8601) in epoch ms; NaN when absent or unreadable, which compares false both ways. */
function instant(header: unknown): number {
  return typeof header === 'string' ? Date.parse(header) : Number.NaN;
}
