import { systemClock, type Clock } from '@tq/core';
import type { EntryDefinition } from '../entry.js';
import type { BeatStore, ClaimResult, LeaseState } from './beat-store.js';

export interface MemoryBeatStoreOptions {
  /** Time source for lease expiry; share one with the beats under test. @default systemClock */
  clock?: Clock;
}

/**
 * The store in process memory: state is lost with the process, so it neither survives a restart
 * nor coordinates separate processes. For tests (several Beat instances in one process share it)
 * and single-process development.
 */
export function createMemoryBeatStore(options: MemoryBeatStoreOptions = {}): BeatStore {
  const clock = options.clock ?? systemClock;
  let lease: { holder: string; token: number; expiresAt: number } | undefined;
  let fence = 0;
  const lastRun = new Map<string, number>();
  const entries = new Map<string, EntryDefinition>();
  const current = (): typeof lease => (lease !== undefined && lease.expiresAt > clock.now() ? lease : undefined);

  return {
    kind: 'memory',
    connect: () => Promise.resolve(),
    acquireLease(holder, ttlMs) {
      const now = clock.now();
      const live = current();
      if (live === undefined || live.holder === holder) {
        const token = live === undefined ? ++fence : live.token;
        lease = { holder, token, expiresAt: now + ttlMs };
        return Promise.resolve<LeaseState>({ held: true, token, expiresInMs: ttlMs, holder });
      }
      return Promise.resolve<LeaseState>({ held: false, token: live.token, expiresInMs: live.expiresAt - now, holder: live.holder });
    },
    releaseLease(holder, token) {
      if (lease?.holder === holder && lease.token === token) lease = undefined;
      return Promise.resolve();
    },
    claimTick(entry, dueAt, token) {
      if (current()?.token !== token) return Promise.resolve<ClaimResult>('fenced');
      const last = lastRun.get(entry);
      if (last !== undefined && last >= dueAt) return Promise.resolve<ClaimResult>('duplicate');
      lastRun.set(entry, dueAt);
      return Promise.resolve<ClaimResult>('claimed');
    },
    lastRuns(names) {
      const found = new Map<string, number>();
      for (const name of names) {
        const value = lastRun.get(name);
        if (value !== undefined) found.set(name, value);
      }
      return Promise.resolve(found);
    },
    putEntry(definition) {
      entries.set(definition.name, structuredClone(definition));
      return Promise.resolve();
    },
    removeEntry: (name) => Promise.resolve(entries.delete(name)),
    listEntries: () => Promise.resolve([...entries.values()].map((definition) => structuredClone(definition))),
    close: () => Promise.resolve(),
  };
}
