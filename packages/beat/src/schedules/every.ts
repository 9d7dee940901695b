import { toMilliseconds } from '@tq/core';
import { InvalidScheduleError } from '../errors.js';
import type { EverySchedule, Schedule } from './schedule.js';
import { toEpochMs } from './epoch.js';

/**
 * Interval ticks sit on a fixed grid (anchor + k × every) rather than "every after the last run",
 * so every beat process, before and after a restart or a takeover, computes the same tick times:
 * the tick identity (entry + due time) then fences duplicates.
 */
export function everySchedule(entry: string, spec: EverySchedule): Schedule {
  let intervalMs: number;
  try {
    intervalMs = toMilliseconds(spec.every, 'every');
  } catch (cause) {
    throw new InvalidScheduleError(entry, (cause as Error).message, { cause });
  }
  if (intervalMs < 1) throw new InvalidScheduleError(entry, `every must be at least 1 ms, got ${String(spec.every)}.`);
  const anchor = spec.anchor === undefined ? 0 : toEpochMs(entry, 'anchor', spec.anchor);
  return {
    timezone: 'UTC',
    description: `every ${typeof spec.every === 'number' ? `${spec.every}ms` : spec.every}`,
    next(after) {
      const steps = Math.floor((after - anchor) / intervalMs) + 1;
      return anchor + steps * intervalMs;
    },
  };
}
