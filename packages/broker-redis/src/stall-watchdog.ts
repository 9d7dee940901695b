import { BrokerError } from '@tq/core';
import type { Redis } from 'ioredis';

export interface StallWatchdogSettings {
  readonly client: Redis;
  /** The consumer's ready lists. */
  readonly lists: readonly string[];
  readonly watchdogMs: number;
  /** Names the consumer in the report. */
  readonly describe: () => string;
  /** Receiving, with room in the prefetch window. */
  readonly hasRoom: () => boolean;
  /** Recreate the blocking connections and reserve; `error` is the report. */
  readonly recover: (error: BrokerError) => void;
}

/**
 * Detects the silent stall: a consumer with room, messages ready in its lists, and nothing received
 * for `watchdogMs` (a blocking connection that neither answers nor errors, after a reconnect or
 * behind a dead NAT entry). Checked after every lease renewal; one LLEN per list, only when the
 * consumer has room and received nothing since the last check.
 */
export class StallWatchdog {
  private receivedSinceCheck = false;
  private stalledSince: number | undefined;

  constructor(private readonly settings: StallWatchdogSettings) {}

  received(): void {
    this.receivedSinceCheck = true;
  }

  async check(): Promise<void> {
    const received = this.receivedSinceCheck;
    this.receivedSinceCheck = false;
    if (received || !this.settings.hasRoom()) {
      this.stalledSince = undefined;
      return;
    }
    const { client, lists, watchdogMs } = this.settings;
    const lengths = await Promise.all(lists.map((list) => client.llen(list)));
    const ready = lengths.reduce((sum, length) => sum + length, 0);
    if (ready === 0 || !this.settings.hasRoom()) {
      this.stalledSince = undefined;
      return;
    }
    const now = Date.now();
    this.stalledSince ??= now;
    if (now - this.stalledSince < watchdogMs) return;
    this.stalledSince = undefined;
    this.settings.recover(
      new BrokerError(
        `${this.settings.describe()} received nothing for ${watchdogMs} ms while ${ready} messages waited and it had room for more; ` +
          'recreating its blocking connections.',
      ),
    );
  }
}
