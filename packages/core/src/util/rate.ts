import { ConfigurationError } from '../errors/errors.js';

/**
 * Celery's `rate_limit`: tasks per second as a number, or a string `"N/s"`, `"N/m"`, `"N/h"`
 * (a bare `"N"` means per second, as in Celery's `celery.utils.time.rate`).
 */
export type RateLimit = number | `${number}` | `${number}/${'s' | 'm' | 'h'}`;

const PER_SECOND = { s: 1, m: 60, h: 3_600 } as const;
const RATE_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(?:\/\s*([smh]))?\s*$/;

/**
 * Tasks per second for a rate limit (`owner`, e.g. `task "x"`, is named in errors); rejects anything else with a ConfigurationError naming the
 * accepted forms. Unlike Celery, 0 is refused rather than read as "no limit": omit the option instead.
 */
export function parseRateLimit(value: RateLimit, owner?: string): number {
  const perSecond = typeof value === 'number' ? value : perSecondOf(value);
  if (perSecond === undefined || !Number.isFinite(perSecond) || perSecond <= 0) {
    const shown = typeof value === 'string' ? `"${value}"` : String(value);
    throw new ConfigurationError(
      `Invalid rateLimit ${shown}${owner === undefined ? '' : ` for ${owner}`}: expected a number of tasks per second or 'N/s', 'N/m', 'N/h' with N > 0 (e.g. 10, '10/s', '100/m', '1000/h'); omit it for no limit.`,
    );
  }
  return perSecond;
}

function perSecondOf(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = RATE_PATTERN.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) / PER_SECOND[(match[2] ?? 's') as keyof typeof PER_SECOND];
}
