import type { Clock, ConnectionChange, TqError } from '@tq/core';

/**
 * A consumer's view of SQS's reachability, from its receives (SQS has no connection to watch): the
 * first receive that fails for want of SQS reports `lost`, each retry after it `retrying`, and the
 * first receive that succeeds again `restored` with the outage. Shared by the consumer's pollers, so
 * one outage is reported once however many pollers notice it.
 */
export class OutageTracker {
  private lostAt: number | undefined;
  private attempt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly report: ((change: ConnectionChange) => void) | undefined,
  ) {}

  /** A receive failed with `error`; the poller tries again in `delayMs`. Configuration errors are no outage. */
  failed(error: TqError, delayMs: number): void {
    if (!error.retryable) return;
    if (this.lostAt === undefined) {
      this.lostAt = this.clock.now();
      this.attempt = 0;
      this.emit({ state: 'lost', cause: error, at: this.lostAt });
    }
    this.attempt += 1;
    this.emit({ state: 'retrying', attempt: this.attempt, delayMs, cause: error });
  }

  succeeded(): void {
    if (this.lostAt === undefined) return;
    const outageMs = Math.max(0, this.clock.now() - this.lostAt);
    this.lostAt = undefined;
    this.emit({ state: 'restored', outageMs });
  }

  private emit(change: ConnectionChange): void {
    try {
      this.report?.(change);
    } catch {
      // A throwing listener must not stop the poller.
    }
  }
}
