import type { EntryDefinition } from '../entry.js';

/** The leader lease as the store sees it after an acquire or renew attempt. */
export interface LeaseState {
  /** Whether the caller holds the lease now. */
  held: boolean;
  /**
   * The fencing token of the current lease: it grows with every change of holder, so a claim made
   * with an old leader's token is refused once another process has taken over. 0 when nobody holds it.
   */
  token: number;
  /** Milliseconds until the current lease expires unless renewed (0 when free). */
  expiresInMs: number;
  /** Who holds it, when someone does. */
  holder: string | undefined;
}

/** The outcome of a tick claim: only `'claimed'` may be sent. */
export type ClaimResult = 'claimed' | 'duplicate' | 'fenced';

/**
 * Where beat keeps what must survive a process: the leader lease, each entry's last run, and the
 * entries added at runtime. Implementations: the in-memory store (one process; tests), Redis
 * (`@tq/beat/redis`) and Postgres (`@tq/beat/postgres`).
 */
export interface BeatStore {
  /** "memory", "redis", "postgres": for logs. */
  readonly kind: string;
  connect(): Promise<void>;
  /**
   * Acquire the lease if it is free or expired, renew it if `holder` holds it; otherwise report
   * who holds it and for how long. One atomic step.
   */
  acquireLease(holder: string, ttlMs: number): Promise<LeaseState>;
  /** Give the lease up (clean shutdown) so a follower takes over at once; a no-op if `token` is no longer current. */
  releaseLease(holder: string, token: number): Promise<void>;
  /**
   * Atomically: if `token` is the current, unexpired lease's token and `dueAt` is later than the
   * entry's last run, record `dueAt` as its last run (`'claimed'`). Otherwise change nothing:
   * `'fenced'` when the lease moved on, `'duplicate'` when the tick (or a later one) was already claimed.
   */
  claimTick(entry: string, dueAt: number, token: number): Promise<ClaimResult>;
  /** Last runs (epoch ms) of the named entries; entries never run are absent. */
  lastRuns(entries: readonly string[]): Promise<Map<string, number>>;
  /** Add or replace a runtime entry (it overrides a code entry of the same name). */
  putEntry(definition: EntryDefinition): Promise<void>;
  /** Remove a runtime entry; true if it existed. Its last run is kept, so re-adding it does not repeat ticks. */
  removeEntry(name: string): Promise<boolean>;
  listEntries(): Promise<EntryDefinition[]>;
  close(): Promise<void>;
}
