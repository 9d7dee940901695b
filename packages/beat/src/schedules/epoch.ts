import { InvalidScheduleError } from '../errors.js';

/** A Date, epoch ms or ISO-8601 string as epoch ms; a string without an offset is rejected (it would mean the process's zone). */
export function toEpochMs(entry: string, field: string, value: Date | string | number): number {
  if (typeof value === 'string' && !/(Z|[+-]\d\d:?\d\d)$/i.test(value.trim())) {
    throw new InvalidScheduleError(entry, `${field} "${value}" has no UTC offset; write it as ISO-8601 with "Z" or "+01:00" so every process reads the same instant.`);
  }
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidScheduleError(entry, `${field} ${String(value)} is not a valid time; use a Date, epoch ms or an ISO-8601 string.`);
  return ms;
}
