import { InvalidArgumentError } from 'commander';

/** A parser for a whole number of at least `min`; every numeric flag says the same thing when it is wrong. */
function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`must be a whole number of ${min} or more, got "${value}".`);
    return parsed;
  };
}

/** 0 or more: a countdown, a priority, a timeout. */
export const integer = wholeNumber(0);
/** 1 or more: a concurrency, a limit per child. */
export const positive = wholeNumber(1);

/** Seconds more than 0, fractions allowed, as Celery's --timeout 0.5. */
export function seconds(value: string): number {
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`must be a number of seconds more than 0, e.g. 1 or 0.5, got "${value}".`);
  return parsed;
}

export function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

export function json<T>(what: string, check: (value: unknown) => value is T): (value: string) => T {
  return (value) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InvalidArgumentError(`must be JSON, got ${value}.`);
    }
    if (!check(parsed)) throw new InvalidArgumentError(`must be ${what}, got ${value}.`);
    return parsed;
  };
}
