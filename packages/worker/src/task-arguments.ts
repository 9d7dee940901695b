import type { AnyTask } from '@tq/core';

/**
 * Positional arguments for the task function from a Celery call's args and kwargs.
 * With `argNames`, kwargs fill their named positions; otherwise non-empty kwargs are
 * passed as one trailing object, so nothing a Python caller sent is dropped.
 */
export function taskArguments(task: AnyTask, args: unknown[], kwargs: Record<string, unknown>): unknown[] {
  const names = task.options.argNames;
  const keys = Object.keys(kwargs);
  if (keys.length === 0) return args;
  if (names === undefined) return [...args, kwargs];
  const positional = [...args];
  const rest: Record<string, unknown> = {};
  for (const key of keys) {
    const index = names.indexOf(key);
    if (index === -1) rest[key] = kwargs[key];
    else positional[index] = kwargs[key];
  }
  return Object.keys(rest).length > 0 ? [...positional, rest] : positional;
}
