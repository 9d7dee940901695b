import { Cron } from 'croner';
import { InvalidScheduleError } from '../errors.js';
import type { CronSchedule, Schedule } from './schedule.js';

function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Cron patterns via croner, read in the entry's timezone. On DST transitions croner (and so tq)
 * fires a wall-clock time that does not exist (02:30 on a spring-forward day in New York) once,
 * at the first instant after the gap (03:00 local), and a wall-clock time that happens twice
 * (01:30 on a fall-back day) once, at its first occurrence. Patterns that fire every hour or
 * minute keep firing each real hour or minute through both transitions.
 */
export function cronSchedule(entry: string, spec: CronSchedule): Schedule {
  const timezone = spec.timezone ?? 'UTC';
  if (!isValidTimezone(timezone)) {
    throw new InvalidScheduleError(entry, `unknown timezone "${timezone}"; use an IANA name such as "Europe/Berlin" or "America/New_York".`);
  }
  let cron: Cron;
  try {
    cron = new Cron(spec.cron, { timezone, paused: true });
  } catch (cause) {
    throw new InvalidScheduleError(entry, `invalid cron pattern "${spec.cron}": ${(cause as Error).message}`, { cause });
  }
  return {
    timezone,
    description: `cron ${spec.cron} (${timezone})`,
    next(after) {
      return cron.nextRun(new Date(after))?.getTime();
    },
  };
}
