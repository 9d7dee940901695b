import { toMilliseconds, TqError, type App } from '@tq/core';
import { resolveEntry, type ResolvedEntry } from './entry.js';
import type { BeatStore } from './store/beat-store.js';
import { planTicks } from './tick-plan.js';
import { tickHeaders, tickTaskId } from './tick-identity.js';
import type { BeatEvents } from './beat-options.js';

type Emit = <K extends keyof BeatEvents>(event: K, ...args: BeatEvents[K]) => void;

export interface PassContext {
  app: App;
  store: BeatStore;
  now: () => number;
  emit: Emit;
  lateAfterMs: number;
  maxCatchUp: number;
  sendAttempts: number;
}

export interface PassResult {
  /** Whether the lease held through the pass. */
  leading: boolean;
  sent: number;
  /** Earliest next due time over all entries (undefined: none). */
  nextDue: number | undefined;
}

/** Code entries overlaid with the store's runtime entries (a stored entry of the same name wins). */
export async function currentEntries(codeEntries: ReadonlyMap<string, ResolvedEntry>, store: BeatStore, emit: Emit): Promise<ResolvedEntry[]> {
  const merged = new Map(codeEntries);
  for (const definition of await store.listEntries()) {
    try {
      merged.set(definition.name, resolveEntry(definition));
    } catch (error) {
      emit('entry-invalid', { entry: String((definition as { name?: unknown }).name), error });
    }
  }
  return [...merged.values()].filter((entry) => entry.enabled);
}

/**
 * One leader pass: seed new entries, then for each entry claim and send the ticks its catch-up
 * policy allows. Every claim is fenced by the lease token, so a leader that lost its lease (a long
 * pause, a partition) sends nothing more once another process has taken over.
 */
export async function runLeaderPass(context: PassContext, entries: readonly ResolvedEntry[], token: number): Promise<PassResult> {
  const lastRuns = await context.store.lastRuns(entries.map((entry) => entry.name));
  let sent = 0;
  let nextDue: number | undefined;
  for (const entry of entries) {
    const now = context.now();
    let lastRun = lastRuns.get(entry.name);
    if (lastRun === undefined) {
      // A new entry starts now: nothing before it is "missed". Recorded so a takeover agrees.
      const seeded = await context.store.claimTick(entry.name, now, token);
      if (seeded === 'fenced') return { leading: false, sent, nextDue };
      lastRun = now;
    }
    const plan = planTicks({ schedule: entry.schedule, lastRun, now, catchUp: entry.catchUp, lateAfterMs: context.lateAfterMs, maxCatchUp: context.maxCatchUp });
    if (plan.skipped > 0) {
      const upTo = plan.skipTo ?? plan.send[0]!;
      if (plan.skipTo !== undefined && (await context.store.claimTick(entry.name, plan.skipTo, token)) === 'fenced') return { leading: false, sent, nextDue };
      context.emit('ticks-skipped', { entry: entry.name, count: plan.skipped, upTo });
    }
    for (const dueAt of plan.send) {
      const claim = await context.store.claimTick(entry.name, dueAt, token);
      if (claim === 'fenced') return { leading: false, sent, nextDue };
      if (claim === 'duplicate') continue;
      await sendTick(context, entry, dueAt, token);
      sent++;
    }
    if (plan.nextDue !== undefined && (nextDue === undefined || plan.nextDue < nextDue)) nextDue = plan.nextDue;
  }
  return { leading: true, sent, nextDue };
}

async function sendTick(context: PassContext, entry: ResolvedEntry, dueAt: number, fence: number): Promise<void> {
  const taskId = tickTaskId(entry.name, dueAt);
  const expiresMs = entry.options.expires !== undefined ? toMilliseconds(entry.options.expires, 'expires') : defaultExpiry(entry, dueAt);
  for (let attempt = 1; ; attempt++) {
    const sentAt = context.now();
    try {
      await context.app.sendTask(entry.task, entry.args, {
        taskId,
        kwargs: entry.kwargs,
        ...(entry.options.queue !== undefined && { queue: entry.options.queue }),
        ...(entry.options.priority !== undefined && { priority: entry.options.priority }),
        ...(expiresMs !== undefined && { expires: new Date(sentAt + expiresMs) }),
        headers: tickHeaders(entry.name, dueAt, sentAt, fence),
      });
      context.emit('tick-sent', { entry: entry.name, task: entry.task, dueAt, sentAt, taskId, fence });
      return;
    } catch (error) {
      const retryable = TqError.isInstance(error) && error.retryable;
      if (!retryable || attempt >= context.sendAttempts) {
        context.emit('tick-failed', { entry: entry.name, dueAt, taskId, error });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** By default a tick expires when the next one comes due: a backlog of stale ticks is worth nothing. */
function defaultExpiry(entry: ResolvedEntry, dueAt: number): number | undefined {
  const next = entry.schedule.next(dueAt);
  return next === undefined ? undefined : next - dueAt;
}
