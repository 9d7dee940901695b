import { BrokerError, ConfigurationError, createApp, type App, type TaskInvocation } from '@tq/core';
import { createManualClock, type ManualClock } from '@tq/core/memory';
import { createBeat, createMemoryBeatStore, type Beat, type BeatOptions, type BeatStore } from '../src/index.js';

export interface Sent {
  invocation: TaskInvocation;
  queue: string;
  /** The beat that sent it. */
  by: string;
}

/** Beats under test: one manual clock, one memory store, and every sent tick captured in order. */
export interface BeatRig {
  clock: ManualClock;
  store: BeatStore;
  sent: Sent[];
  beat(identity: string, options?: Omit<BeatOptions, 'store' | 'clock' | 'identity'>): { beat: Beat; app: App };
  /** The ticks sent so far as "entry@ISO due time". */
  ticks(): string[];
}

export function createRig(startIso = '2026-01-01T00:00:00.000Z'): BeatRig {
  const clock = createManualClock(Date.parse(startIso));
  const store = createMemoryBeatStore({ clock });
  const sent: Sent[] = [];
  return {
    clock,
    store,
    sent,
    beat(identity, options = {}) {
      const app = createApp({ broker: 'memory://', backend: null, clock });
      app.setDispatcher((invocation, queue) => {
        sent.push({ invocation, queue, by: identity });
        return Promise.resolve();
      });
      return { beat: createBeat(app, { lease: { ttl: 3_000 }, ...options, store, clock, identity }), app };
    },
    ticks: () => sent.map(({ invocation }) => `${String(invocation.extraHeaders.tq_beat_entry)}@${String(invocation.extraHeaders.tq_beat_due_at)}`),
  };
}

/** A dispatcher that fails the first `failures` sends with a retryable or permanent error. */
export function failingDispatcher(app: App, failures: number, retryable: boolean, sent: Sent[]): void {
  let left = failures;
  app.setDispatcher((invocation, queue) => {
    if (left-- > 0) return Promise.reject(retryable ? new BrokerError('broker down', { retryable: true }) : new ConfigurationError('bad queue'));
    sent.push({ invocation, queue, by: 'failing' });
    return Promise.resolve();
  });
}
