import { type Duration, toMilliseconds } from '../util/duration.js';
import type { ApplyOptions } from './task-options.js';

const DURATION_KEYS = new Set(['countdown', 'timeLimit', 'softTimeLimit']);

function snakeCase(key: string): string {
  return key === 'taskId' ? 'task_id' : key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * camelCase apply options (durations in ms) → Celery's signature options (snake_case,
 * durations in seconds, times as ISO-8601), so a Python worker reads them as Celery would.
 */
export function toCeleryOptions(options: Omit<ApplyOptions, 'kwargs'>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    let converted: unknown = value;
    if (DURATION_KEYS.has(key)) converted = toMilliseconds(value as Duration, key) / 1_000;
    else if (key === 'eta') converted = new Date(value as Date | number).toISOString();
    else if (key === 'expires') converted = value instanceof Date ? value.toISOString() : toMilliseconds(value as Duration, key) / 1_000;
    out[snakeCase(key)] = converted;
  }
  return out;
}
