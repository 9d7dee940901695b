import type { Clock, Duration } from '@tq/core';
import type { BeatStore } from './store/beat-store.js';

export interface BeatOptions {
  /**
   * Where the lease, last runs and runtime entries live. Use the Redis or Postgres store for
   * persistence and high availability.
   * @default an in-memory store (no persistence, one process)
   */
  store?: BeatStore;
  lease?: {
    /**
     * How long the leader's lease lasts without renewal: after the leader dies, a follower takes
     * over at most this long after the leader's last renewal.
     * @default 15_000
     */
    ttl?: Duration;
    /** How often the leader renews (and followers check) the lease. @default ttl / 3 */
    renewEvery?: Duration;
  };
  /** Under catchUp 'none', a tick later than this counts as missed and is skipped. @default 1_000 */
  lateAfter?: Duration;
  /** Under catchUp 'all', at most this many missed ticks per entry are sent (the most recent). @default 100 */
  maxCatchUp?: number;
  /** Names this process in the lease. @default "<hostname>:<pid>:<random>" */
  identity?: string;
  /** Time source for due times and waits. @default the app's clock */
  clock?: Clock;
  /** Publish attempts per tick before it is reported as failed (retryable broker errors only). @default 3 */
  sendAttempts?: number;
}

export interface TickEvent {
  entry: string;
  task: string;
  dueAt: number;
  sentAt: number;
  taskId: string;
  fence: number;
}

/** What a Beat emits, for logs, metrics and tests. */
export interface BeatEvents {
  /** This process became the leader. */
  leader: [{ identity: string; fence: number }];
  /** This process stopped being the leader (lost or released the lease). */
  follower: [{ identity: string; holder: string | undefined }];
  'tick-sent': [TickEvent];
  /** Ticks not sent because of the entry's catch-up policy. */
  'ticks-skipped': [{ entry: string; count: number; upTo: number }];
  /** A claimed tick whose publish failed after all attempts: it is lost (at most once). */
  'tick-failed': [{ entry: string; dueAt: number; taskId: string; error: unknown }];
  /** A runtime entry in the store that is invalid; it is ignored until fixed. */
  'entry-invalid': [{ entry: string; error: unknown }];
  /** A pass failed (store unreachable…); the next pass retries. */
  'beat-error': [{ error: unknown; context: string }];
}
