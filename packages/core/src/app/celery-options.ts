import { type Duration, toMilliseconds } from '../util/duration.js';
import type { ApplyOptions } from './task-options.js';
import { formatPythonIsoDatetime } from '../protocol/iso-datetime.js';

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
    if (value === undefined || key === 'embed') continue;
    let converted: unknown = value;
    if (DURATION_KEYS.has(key)) converted = toMilliseconds(value as Duration, key) / 1_000;
    // Python's isoformat: Celery reads a 3-digit fraction as microseconds (an eta up to 999 ms early).
    else if (key === 'eta') converted = formatPythonIsoDatetime(new Date(value as Date | number), '+00:00');
    // Celery 5.2 accepts only seconds or a datetime object for a signature's expires (a string makes the
    // sending task fail, celery#7091), and JSON cannot carry a datetime: a Date becomes the seconds left
    // at serialisation, which Celery counts from when it sends the signature.
    else if (key === 'expires') converted = value instanceof Date ? Math.max(0, (value.getTime() - Date.now()) / 1_000) : toMilliseconds(value as Duration, key) / 1_000;
    out[snakeCase(key)] = converted;
  }
  return out;
}
