import { resolveTaskArguments, validateTaskArguments, type AnyTask } from '@tq/core';

/**
 * Positional arguments for the task function from a Celery call's args and kwargs.
 * With `argNames`, kwargs fill their named positions; otherwise non-empty kwargs are
 * passed as one trailing object, so nothing a Python caller sent is dropped.
 */
export function taskArguments(task: AnyTask, args: unknown[], kwargs: Record<string, unknown>): unknown[] {
  return resolveTaskArguments(task.options, args, kwargs);
}

/**
 * The arguments the task function receives: mapped from args and kwargs, then checked by the
 * task's `args` schema (its output, e.g. with defaults filled in). Throws InvalidArgumentsError.
 */
export function validatedTaskArguments(task: AnyTask, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown[]> {
  return validateTaskArguments(task.name, task.options.args, taskArguments(task, args, kwargs));
}
