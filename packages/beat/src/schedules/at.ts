import type { AtSchedule, Schedule } from './schedule.js';
import { toEpochMs } from './epoch.js';

/** A one-off: fires once at `at`, never again. */
export function atSchedule(entry: string, spec: AtSchedule): Schedule {
  const at = toEpochMs(entry, 'at', spec.at);
  return {
    timezone: 'UTC',
    description: `once at ${new Date(at).toISOString()}`,
    next: (after) => (at > after ? at : undefined),
  };
}
