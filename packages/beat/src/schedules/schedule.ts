import type { Duration } from '@tq/core';

/** Celery's solar event names (celery.schedules.solar). */
export const SOLAR_EVENTS = [
  'dawn_astronomical',
  'dawn_nautical',
  'dawn_civil',
  'sunrise',
  'solar_noon',
  'sunset',
  'dusk_civil',
  'dusk_nautical',
  'dusk_astronomical',
] as const;
export type SolarEvent = (typeof SOLAR_EVENTS)[number];

/** Fire every `every` (ms or "30s", "5m", "1h"), at multiples of it since `anchor` (default: the Unix epoch). */
export interface EverySchedule {
  every: Duration;
  /** Where the grid of fire times starts; ticks fall on anchor + k × every. @default 0 (1970-01-01T00:00:00Z) */
  anchor?: Date | string | number;
  cron?: never;
  solar?: never;
  at?: never;
}

/** Fire on a cron pattern (5 fields, or 6 with seconds first), read in `timezone`. */
export interface CronSchedule {
  cron: string;
  /** IANA timezone the pattern is read in. @default "UTC" */
  timezone?: string;
  every?: never;
  solar?: never;
  at?: never;
}

/** Fire at a solar event at a place, as Celery's `solar` schedule. */
export interface SolarSchedule {
  solar: SolarEvent;
  latitude: number;
  longitude: number;
  every?: never;
  cron?: never;
  at?: never;
}

/** Fire once, at a time (a Date, epoch ms or an ISO-8601 string with an offset). */
export interface AtSchedule {
  at: Date | string | number;
  every?: never;
  cron?: never;
  solar?: never;
}

export type ScheduleSpec = EverySchedule | CronSchedule | SolarSchedule | AtSchedule;

/** A schedule turned into fire times. Pure: the same input gives the same times in every process. */
export interface Schedule {
  /** The first fire time strictly after `after` (epoch ms), or undefined when it never fires again. */
  next(after: number): number | undefined;
  /** The timezone fire times are shown in (`tq beat --list`). */
  readonly timezone: string;
  /** A short human description: "every 30s", "cron 30 2 * * * (America/New_York)". */
  readonly description: string;
}
