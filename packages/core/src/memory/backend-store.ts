import type { ChordJoinResult, TaskMeta } from '../contracts/backend.js';
import { isReadyState } from '../contracts/states.js';
import { ConfigurationError } from '../errors/errors.js';
import type { Clock } from '../util/clock.js';

interface Expiring<T> {
  value: T;
  /** Epoch ms; Infinity never expires. */
  expiresAt: number;
}

interface ChordCounter {
  readonly size: number;
  readonly members: Set<string>;
  /** The member whose arrival completed the group, once it has. */
  completedBy: string | undefined;
}

type ReadyListener = (meta: TaskMeta) => void;

// Expired entries are dropped when read; a full sweep every so many writes bounds what is never read again.
const WRITES_PER_SWEEP = 1_000;

/**
 * Results, groups and chord counters of one memory namespace, shared by every memory backend built
 * for it, plus the listeners that make waitFor push-based. Values are stored as given: the backend
 * copies on the way in and out.
 */
export class BackendStore {
  private readonly results = new Map<string, Expiring<TaskMeta>>();
  private readonly groups = new Map<string, Expiring<string[]>>();
  private readonly chords = new Map<string, Expiring<ChordCounter>>();
  private readonly readyListeners = new Map<string, Set<ReadyListener>>();
  private writesSinceSweep = 0;

  /** Revoked ids and when they expire (epoch ms). */
  readonly revoked = new Map<string, number>();

  constructor(readonly clock: Clock) {}

  readResult(taskId: string): TaskMeta | undefined {
    return this.live(this.results, taskId);
  }

  writeResult(taskId: string, meta: TaskMeta, ttlMs: number): void {
    this.write(this.results, taskId, meta, ttlMs);
    if (isReadyState(meta.status)) {
      for (const listener of [...(this.readyListeners.get(taskId) ?? [])]) listener(meta);
    }
  }

  deleteResult(taskId: string): void {
    this.results.delete(taskId);
  }

  /** Call `listener` when `taskId` is stored in a ready state; returns the unsubscribe function. */
  onReady(taskId: string, listener: ReadyListener): () => void {
    let listeners = this.readyListeners.get(taskId);
    if (listeners === undefined) {
      listeners = new Set();
      this.readyListeners.set(taskId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.readyListeners.get(taskId) === listeners) this.readyListeners.delete(taskId);
    };
  }

  readGroup(groupId: string): string[] | undefined {
    return this.live(this.groups, groupId);
  }

  writeGroup(groupId: string, taskIds: string[], ttlMs: number): void {
    this.write(this.groups, groupId, taskIds, ttlMs);
  }

  deleteGroup(groupId: string): void {
    this.groups.delete(groupId);
  }

  /** Count a member in; synchronous, hence atomic within the process. */
  joinChord(groupId: string, memberId: string, size: number, ttlMs: number): ChordJoinResult {
    let counter = this.live(this.chords, groupId);
    if (counter === undefined) {
      counter = { size, members: new Set(), completedBy: undefined };
    } else if (counter.size !== size) {
      throw new ConfigurationError(`Chord group "${groupId}" was joined with size ${counter.size} and now with ${size}; every member must pass the same size.`);
    }
    counter.members.add(memberId);
    if (counter.completedBy === undefined && counter.members.size >= size) counter.completedBy = memberId;
    this.write(this.chords, groupId, counter, ttlMs);
    return { count: counter.members.size, completed: counter.completedBy === memberId };
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private write<T>(map: Map<string, Expiring<T>>, key: string, value: T, ttlMs: number): void {
    map.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    this.writesSinceSweep += 1;
    if (this.writesSinceSweep >= WRITES_PER_SWEEP) this.sweep();
  }

  private sweep(): void {
    this.writesSinceSweep = 0;
    const now = this.clock.now();
    for (const map of [this.results, this.groups, this.chords] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}
