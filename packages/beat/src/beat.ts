import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, systemClock, toMilliseconds, type AnyTask, type App, type Clock } from '@tq/core';
import type { BeatEvents, BeatOptions } from './beat-options.js';
import { definitionFromInput, resolveEntry, type EntryDefinition, type EntryInput, type ResolvedEntry } from './entry.js';
import { DuplicateEntryError } from './errors.js';
import { currentEntries, runLeaderPass, type PassContext } from './leader-pass.js';
import type { ScheduleSpec } from './schedules/index.js';
import type { BeatStore } from './store/beat-store.js';
import { createMemoryBeatStore } from './store/memory-beat-store.js';
import { DEFAULT_MAX_CATCH_UP } from './tick-plan.js';

/** An entry for a task known only by name (e.g. implemented by a Python Celery worker). */
export type NamedTaskEntry = ScheduleSpec & Omit<EntryDefinition, 'name' | keyof ScheduleSpec>;

export interface PassOutcome {
  leading: boolean;
  sent: number;
  /** When the next pass should run (epoch ms on the beat's clock). */
  nextWakeAt: number;
}

export interface UpcomingEntry {
  name: string;
  task: string;
  schedule: string;
  timezone: string;
  /** The next fire times, epoch ms. */
  times: number[];
}

const BEAT_OF_APP = Symbol.for('tq.beat');

/**
 * The periodic scheduler. Entries are declared in code (`schedule`) or JSON (`add`), or added at
 * runtime through the store (`putEntry`). Any number of Beat processes may run against one store:
 * exactly one holds the lease and sends; the others wait to take over.
 */
export class Beat extends EventEmitter<BeatEvents> {
  private storeInstance: BeatStore;
  readonly identity: string;
  readonly leaseTtlMs: number;
  readonly renewEveryMs: number;
  private readonly clock: Clock;
  private readonly codeEntries = new Map<string, ResolvedEntry>();
  private readonly context: PassContext;
  private fence: number | undefined;
  /** When our lease lapses unless renewed, on our clock: past it, a beat that cannot reach the store stops calling itself leader. */
  private leaseLapsesAt = 0;
  private running = false;
  private timer: { cancel(): void } | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly app: App,
    options: BeatOptions = {},
  ) {
    super();
    this.clock = options.clock ?? app.clock;
    this.storeInstance = options.store ?? createMemoryBeatStore({ clock: this.clock });
    this.identity = options.identity ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.leaseTtlMs = toMilliseconds(options.lease?.ttl ?? 15_000, 'lease.ttl');
    this.renewEveryMs = toMilliseconds(options.lease?.renewEvery ?? Math.max(1, Math.floor(this.leaseTtlMs / 3)), 'lease.renewEvery');
    this.context = {
      app,
      store: this.storeInstance,
      now: () => this.clock.now(),
      emit: (event, ...args) => void this.emit(event, ...(args as never)),
      lateAfterMs: toMilliseconds(options.lateAfter ?? 1_000, 'lateAfter'),
      maxCatchUp: options.maxCatchUp ?? DEFAULT_MAX_CATCH_UP,
      sendAttempts: options.sendAttempts ?? 3,
    };
    (app as unknown as Record<symbol, unknown>)[BEAT_OF_APP] = this;
  }

  get store(): BeatStore {
    return this.storeInstance;
  }

  /** Replace the store before start() (the CLI applies --store this way). */
  useStore(store: BeatStore): void {
    if (this.running) throw new ConfigurationError('The beat is running; call useStore() before start().');
    this.storeInstance = store;
    this.context.store = store;
  }

  /** Schedule a task: `beat.schedule('cleanup', { every: '1h', task: cleanup, args: [] })`; args are checked against the task. */
  schedule<T extends AnyTask>(name: string, entry: EntryInput<T>): this;
  schedule(name: string, entry: NamedTaskEntry): this;
  schedule(name: string, entry: EntryInput<AnyTask> | NamedTaskEntry): this {
    return this.add(definitionFromInput(name, entry));
  }

  /** Add a JSON entry (from a schedule file); validated now, so a bad entry fails at startup. */
  add(definition: EntryDefinition): this {
    const entry = resolveEntry(definition);
    if (this.codeEntries.has(entry.name)) throw new DuplicateEntryError(entry.name);
    this.codeEntries.set(entry.name, entry);
    return this;
  }

  /** The entries declared in code and files (not the store's). */
  get entries(): ResolvedEntry[] {
    return [...this.codeEntries.values()];
  }

  /** Add or replace an entry at runtime for every beat on this store; the leader picks it up on its next pass. */
  async putEntry(definition: EntryDefinition): Promise<void> {
    resolveEntry(definition);
    await this.store.putEntry(definition);
  }

  /** Remove a runtime entry; true if it existed. Entries declared in code are switched off with putEntry({ ..., enabled: false }). */
  removeEntry(name: string): Promise<boolean> {
    return this.store.removeEntry(name);
  }

  /** The next `count` fire times of each code entry, from `from` on: a dry run, no store involved. */
  upcoming(count = 5, from = this.clock.now()): UpcomingEntry[] {
    return this.entries.map((entry) => {
      const times: number[] = [];
      let cursor = from;
      while (times.length < count) {
        const next = entry.schedule.next(cursor);
        if (next === undefined) break;
        times.push(next);
        cursor = next;
      }
      return { name: entry.name, task: entry.task, schedule: entry.schedule.description, timezone: entry.schedule.timezone, times };
    });
  }

  get isLeader(): boolean {
    return this.fence !== undefined;
  }

  /**
   * One pass: acquire or renew the lease; as leader, send what is due. Tests drive the beat with
   * this and an injected clock; start() runs it in a loop.
   */
  async runOnce(): Promise<PassOutcome> {
    const now = this.clock.now();
    try {
      const lease = await this.store.acquireLease(this.identity, this.leaseTtlMs);
      if (!lease.held) {
        this.becomeFollower(lease.holder);
        // Wake just after the current lease expires, so a dead leader is replaced within its TTL.
        return { leading: false, sent: 0, nextWakeAt: now + Math.min(this.renewEveryMs, lease.expiresInMs + 1) };
      }
      this.leaseLapsesAt = now + this.leaseTtlMs;
      if (this.fence !== lease.token) {
        this.fence = lease.token;
        this.emit('leader', { identity: this.identity, fence: lease.token });
      }
      const entries = await currentEntries(this.codeEntries, this.store, this.context.emit);
      const result = await runLeaderPass(this.context, entries, lease.token);
      if (!result.leading) {
        this.becomeFollower(undefined);
        return { leading: false, sent: result.sent, nextWakeAt: this.clock.now() + this.renewEveryMs };
      }
      const renewAt = now + this.renewEveryMs;
      return { leading: true, sent: result.sent, nextWakeAt: result.nextDue === undefined ? renewAt : Math.min(renewAt, result.nextDue) };
    } catch (error) {
      this.emit('beat-error', { error, context: 'pass' });
      if (this.clock.now() >= this.leaseLapsesAt) this.becomeFollower(undefined);
      return { leading: this.isLeader, sent: 0, nextWakeAt: this.clock.now() + this.renewEveryMs };
    }
  }

  /** Connect the store and run passes until stop(); resolves after the first pass. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.store.connect();
    this.running = true;
    const first = await this.runOnce();
    this.loop = this.runLoop(first.nextWakeAt);
  }

  /** Stop passing and release the lease (so a follower takes over at once). Does not close the store. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.timer?.cancel();
    this.wake?.();
    await this.loop;
    if (this.fence !== undefined) {
      const fence = this.fence;
      this.becomeFollower(undefined);
      await this.store.releaseLease(this.identity, fence).catch((error: unknown) => this.emit('beat-error', { error, context: 'release' }));
    }
  }

  private async runLoop(firstWakeAt: number): Promise<void> {
    let wakeAt = firstWakeAt;
    while (this.running) {
      await this.sleepUntil(wakeAt);
      if (!this.running) return;
      wakeAt = (await this.runOnce()).nextWakeAt;
    }
  }

  private sleepUntil(at: number): Promise<void> {
    const delay = Math.max(0, at - this.clock.now());
    return new Promise((resolve) => {
      this.wake = resolve;
      // Native timers are kept referenced: a running beat is a service that keeps its process alive.
      if (this.clock.setTimer !== undefined && this.clock !== systemClock) {
        this.timer = this.clock.setTimer(resolve, delay);
      } else {
        const handle = setTimeout(resolve, delay);
        this.timer = { cancel: () => clearTimeout(handle) };
      }
    });
  }

  private becomeFollower(holder: string | undefined): void {
    if (this.fence === undefined) return;
    this.fence = undefined;
    this.emit('follower', { identity: this.identity, holder });
  }
}

/** Create the beat of an app; `tq beat --app` and `tq worker --beat` find it through the app. */
export function createBeat(app: App, options: BeatOptions = {}): Beat {
  return new Beat(app, options);
}

/** The beat created for `app` (by createBeat in the app's module), if any; found across copies of this package. */
export function beatOf(app: App): Beat | undefined {
  const beat = (app as unknown as Record<symbol, unknown>)[BEAT_OF_APP];
  return typeof beat === 'object' && beat !== null && typeof (beat as Beat).runOnce === 'function' ? (beat as Beat) : undefined;
}
