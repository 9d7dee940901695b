import { type Clock, type ClockTimer, setClockTimer } from '@tq/core';
import type pg from 'pg';
import type { Statements } from './statements.js';

/** Rows removed by one cleanup run, per table. */
export interface CleanupReport {
  results: number;
  groups: number;
  chords: number;
}

export interface CleanupOptions {
  /** Rows per DELETE. @default the backend's cleanupBatchSize */
  batchSize?: number;
  /** Stop after this many DELETEs per table, so one run stays bounded on a huge backlog; the next run continues. @default 100 */
  maxBatches?: number;
}

const DEFAULT_MAX_BATCHES = 100;

/**
 * Deletes expired rows a batch at a time: each DELETE picks at most `batchSize` rows through the
 * expires_at index (SKIP LOCKED, so cleaners in several processes never queue behind each other)
 * and commits on its own, so a large backlog never becomes one long transaction.
 */
export class ExpiryCleanup {
  private timer: ClockTimer | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly statements: Statements,
    private readonly batchSize: number,
    private readonly clock: Clock,
  ) {}

  async run({ batchSize = this.batchSize, maxBatches = DEFAULT_MAX_BATCHES }: CleanupOptions = {}): Promise<CleanupReport> {
    const report: CleanupReport = { results: 0, groups: 0, chords: 0 };
    for (const table of ['results', 'groups', 'chords'] as const) {
      for (let batch = 0; batch < maxBatches; batch++) {
        const { rowCount } = await this.pool.query({ ...this.statements.cleanup[table], values: [batchSize] });
        report[table] += rowCount ?? 0;
        if ((rowCount ?? 0) < batchSize) break;
      }
    }
    return report;
  }

  /** Run every `intervalMs` until stop(); a failed run (server away) is simply tried again next time. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer !== undefined || this.stopped) return;
    this.timer = setClockTimer(
      this.clock,
      () => {
        this.timer = undefined;
        if (this.stopped) return;
        this.running = this.run().catch(() => undefined);
        void this.running.finally(() => this.start(intervalMs));
      },
      intervalMs,
    );
  }

  /** Stop the periodic runs and wait for one in progress, so close() never ends the pool under it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }
}
