import { InvalidScheduleError } from '../errors.js';
import { atSchedule } from './at.js';
import { cronSchedule } from './cron.js';
import { everySchedule } from './every.js';
import type { AtSchedule, CronSchedule, EverySchedule, Schedule, ScheduleSpec, SolarSchedule } from './schedule.js';
import { solarSchedule } from './solar.js';

export * from './schedule.js';

const KINDS = ['every', 'cron', 'solar', 'at'] as const;

/** Turn a schedule spec (from code, a schedule file or the store) into fire times; exactly one kind per entry. */
export function createSchedule(entry: string, spec: ScheduleSpec): Schedule {
  const given = KINDS.filter((kind) => (spec as unknown as Record<string, unknown>)[kind] !== undefined);
  if (given.length !== 1) {
    throw new InvalidScheduleError(entry, `give exactly one of every, cron, solar or at (got ${given.length === 0 ? 'none' : given.join(' and ')}).`);
  }
  switch (given[0]) {
    case 'every':
      return everySchedule(entry, spec as EverySchedule);
    case 'cron':
      return cronSchedule(entry, spec as CronSchedule);
    case 'solar':
      return solarSchedule(entry, spec as SolarSchedule);
    default:
      return atSchedule(entry, spec as AtSchedule);
  }
}
