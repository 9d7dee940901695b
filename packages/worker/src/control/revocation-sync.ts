import type { Logger } from 'pino';
import type { RevocationStore } from '@tq/core';
import type { RevokedIds } from './revoked-ids.js';

/**
 * Durable revokes into the worker's revoked set: read at start (a worker started after a revoke
 * skips the task) and every `intervalMs` (one that missed the broadcast catches up). A failed read
 * is logged and tried again next time; it never stops the worker.
 */
export class RevocationSync {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RevocationStore,
    private readonly revoked: RevokedIds,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    try {
      this.revoked.addUntil(await this.store.list());
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read durable revokes; trying again shortly');
    }
  }
}
