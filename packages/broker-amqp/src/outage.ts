import type { ConnectionChange } from '@tq/core';

/**
 * One consumer's outage, from the moment its channel or connection went until it consumes again:
 * `lost` once, `retrying` before each attempt, `restored` with the outage's length. Without an
 * `onConnectionChange` listener the loss goes to `onError` instead, so it is never silent.
 */
export class OutageReporter {
  private lostAt: number | undefined;

  constructor(
    private readonly notify: ((change: ConnectionChange) => void) | undefined,
    private readonly fallback: (error: Error) => void,
  ) {}

  /** Whether changes go to an onConnectionChange listener (else losses go to onError). */
  get listening(): boolean {
    return this.notify !== undefined;
  }

  get out(): boolean {
    return this.lostAt !== undefined;
  }

  lost(cause: Error): void {
    if (this.lostAt !== undefined) return;
    this.lostAt = Date.now();
    if (this.notify === undefined) this.fallback(cause);
    else this.safely({ state: 'lost', cause, at: this.lostAt });
  }

  retrying(attempt: number, delayMs: number, cause?: Error): void {
    if (this.lostAt === undefined) return;
    this.safely(cause === undefined ? { state: 'retrying', attempt, delayMs } : { state: 'retrying', attempt, delayMs, cause });
  }

  restored(): void {
    if (this.lostAt === undefined) return;
    const outageMs = Date.now() - this.lostAt;
    this.lostAt = undefined;
    this.safely({ state: 'restored', outageMs });
  }

  /** A listener that throws must not break reconnecting. */
  private safely(change: ConnectionChange): void {
    try {
      this.notify?.(change);
    } catch (error) {
      this.fallback(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
