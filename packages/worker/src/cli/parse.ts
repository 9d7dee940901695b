import { InvalidArgumentError } from 'commander';

export function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a non-negative whole number, got "${value}".`);
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
      throw new InvalidArgumentError(`${what} must be JSON, got ${value}.`);
    }
    if (!check(parsed)) throw new InvalidArgumentError(`${what} has the wrong shape: ${value}.`);
    return parsed;
  };
}
