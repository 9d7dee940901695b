import type { Redis } from 'ioredis';
import { BrokerError, type Clock, type ConnectionChange } from '@tq/core';
import { withoutFinalPeriod } from './errors.js';

/**
 * Turns the command connection's ioredis events into a consumer's ConnectionChange reports:
 * `lost` once when a ready connection closes (with the socket error that closed it, if any),
 * `retrying` on each reconnect ioredis schedules, `restored` with the outage once it is ready again.
 * ioredis reconnects by itself; this only makes the outage visible (issue 13, defect 5).
 */
export class ConnectionWatch {
  private lostAt: number | undefined;
  private attempt = 0;
  private lastError: Error | undefined;
  private readonly onError = (error: Error): void => void (this.lastError = error);
  private readonly onClose = (): void => this.closed();
  private readonly onReconnecting = (delayMs: number): void => this.retrying(delayMs);
  private readonly onReady = (): void => this.ready();

  constructor(
    private readonly client: Redis,
    private readonly clock: Clock,
    private readonly displayUrl: string,
    private readonly report: (change: ConnectionChange) => void,
  ) {
    client.on('error', this.onError).on('close', this.onClose).on('reconnecting', this.onReconnecting).on('ready', this.onReady);
  }

  stop(): void {
    this.client.off('error', this.onError).off('close', this.onClose).off('reconnecting', this.onReconnecting).off('ready', this.onReady);
  }

  private closed(): void {
    if (this.lostAt !== undefined) return;
    this.lostAt = this.clock.now();
    this.attempt = 0;
    const reason = withoutFinalPeriod(this.lastError?.message ?? 'Redis closed the connection');
    const cause = new BrokerError(`Redis broker: lost the connection to ${this.displayUrl} (${reason}); reconnecting, consumption resumes by itself once Redis is back.`, {
      cause: this.lastError,
      retryable: true,
    });
    this.lastError = undefined;
    this.emit({ state: 'lost', cause, at: this.lostAt });
  }

  private retrying(delayMs: number): void {
    if (this.lostAt === undefined) return;
    this.attempt += 1;
    this.emit({ state: 'retrying', attempt: this.attempt, delayMs, ...(this.lastError !== undefined && { cause: this.lastError }) });
  }

  private ready(): void {
    if (this.lostAt === undefined) return;
    const outageMs = Math.max(0, this.clock.now() - this.lostAt);
    this.lostAt = undefined;
    this.emit({ state: 'restored', outageMs });
  }

  private emit(change: ConnectionChange): void {
    try {
      this.report(change);
    } catch {
      // A throwing listener must not break ioredis's event dispatch (and with it the reconnect).
    }
  }
}
