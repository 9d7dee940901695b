import { getTimes, type SunTimeName } from 'suncalc';
import { InvalidScheduleError } from '../errors.js';
import { SOLAR_EVENTS, type SolarEvent, type SolarSchedule, type Schedule } from './schedule.js';

const SUNCALC_NAME: Record<SolarEvent, SunTimeName | 'solarNoon'> = {
  dawn_astronomical: 'nightEnd',
  dawn_nautical: 'nauticalDawn',
  dawn_civil: 'dawn',
  sunrise: 'sunrise',
  solar_noon: 'solarNoon',
  sunset: 'sunset',
  dusk_civil: 'dusk',
  dusk_nautical: 'nauticalDusk',
  dusk_astronomical: 'night',
};

const DAY_MS = 86_400_000;
// Near the poles an event can be absent for months (polar day/night); look no further than a year.
const SEARCH_DAYS = 370;

/**
 * Solar events via suncalc, as Celery's `solar` schedule: the next sunrise (etc.) at a latitude
 * and longitude. Days on which the event does not happen (polar day or night) are skipped.
 */
export function solarSchedule(entry: string, spec: SolarSchedule): Schedule {
  if (!(SOLAR_EVENTS as readonly string[]).includes(spec.solar)) {
    throw new InvalidScheduleError(entry, `unknown solar event "${String(spec.solar)}"; use one of ${SOLAR_EVENTS.join(', ')}.`);
  }
  const { latitude, longitude } = spec;
  if (typeof latitude !== 'number' || !Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
    throw new InvalidScheduleError(entry, `latitude must be a number from -90 to 90, got ${String(latitude)}.`);
  }
  if (typeof longitude !== 'number' || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
    throw new InvalidScheduleError(entry, `longitude must be a number from -180 to 180, got ${String(longitude)}.`);
  }
  const name = SUNCALC_NAME[spec.solar];
  return {
    timezone: 'UTC',
    description: `${spec.solar} at ${latitude}, ${longitude}`,
    next(after) {
      // Start a day early: the solar day of `after` may begin before its UTC date.
      for (let day = -1; day <= SEARCH_DAYS; day++) {
        const event = getTimes(new Date(after + day * DAY_MS), latitude, longitude)[name];
        // Whole seconds, so the tick identity does not depend on floating-point noise.
        const at = event instanceof Date ? Math.round(event.getTime() / 1_000) * 1_000 : NaN;
        if (Number.isFinite(at) && at > after) return at;
      }
      return undefined;
    },
  };
}
