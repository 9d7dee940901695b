import { ConfigurationError } from '../errors/errors.js';

/** Milliseconds as a number, or a string with a unit: "250ms", "10s", "5m", "1h", "1d". */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Convert a Duration to milliseconds; rejects negatives, NaN and unknown units with a clear error. */
export function toMilliseconds(duration: Duration, what = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new ConfigurationError(`Invalid ${what} ${duration}: expected a non-negative number of milliseconds.`);
    }
    return duration;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(duration);
  if (match === null) {
    throw new ConfigurationError(`Invalid ${what} "${duration}": expected milliseconds or a string like "250ms", "10s", "5m", "1h", "1d".`);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
