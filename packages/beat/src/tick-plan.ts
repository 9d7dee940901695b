import type { CatchUp } from './entry.js';
import type { Schedule } from './schedules/index.js';

/** Ticks sent for one entry in one pass at most; older missed ones are skipped. @see BeatOptions.maxCatchUp */
export const DEFAULT_MAX_CATCH_UP = 100;
// Bounds the work of one pass after a long outage of a fast schedule; the rest is handled next pass.
const SCAN_LIMIT = 100_000;

export interface TickPlanInput {
  schedule: Schedule;
  /** Due time of the last claimed tick (or the seed time of a new entry). */
  lastRun: number;
  now: number;
  catchUp: CatchUp;
  /** How late a tick may be and still count as on time under catchUp 'none'. */
  lateAfterMs: number;
  maxCatchUp: number;
}

export interface TickPlan {
  /** Due times to claim and send, oldest first. */
  send: number[];
  /** Due ticks that are not sent. */
  skipped: number;
  /** Where lastRun moves to when some ticks are skipped and none sent after them (undefined: nothing to record). */
  skipTo: number | undefined;
  /** The next due time after this pass (undefined: never). */
  nextDue: number | undefined;
}

/**
 * Which due ticks (lastRun < due ≤ now) to send under the entry's catch-up policy. Pure, so every
 * policy is tested with plain numbers.
 */
export function planTicks({ schedule, lastRun, now, catchUp, lateAfterMs, maxCatchUp }: TickPlanInput): TickPlan {
  const keep = catchUp === 'all' ? Math.max(1, maxCatchUp) : 1;
  const recent: number[] = [];
  let total = 0;
  let cursor = lastRun;
  let next = schedule.next(cursor);
  while (next !== undefined && next <= now && total < SCAN_LIMIT) {
    total++;
    recent.push(next);
    if (recent.length > keep) recent.shift();
    cursor = next;
    next = schedule.next(cursor);
  }
  if (total === 0) return { send: [], skipped: 0, skipTo: undefined, nextDue: next };
  const latest = recent[recent.length - 1]!;
  const scanCut = total === SCAN_LIMIT && next !== undefined && next <= now;
  let send = scanCut ? [] : recent;
  if (catchUp === 'none' && now - latest > lateAfterMs) send = [];
  const skipped = total - send.length;
  return { send, skipped, skipTo: send.length === 0 ? latest : undefined, nextDue: scanCut ? now : next };
}
