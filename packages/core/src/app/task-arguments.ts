import { InvalidArgumentsError, type ArgumentIssue } from '../errors/errors.js';
import type { StandardSchemaV1, StandardSchemaV1Issue } from './standard-schema.js';
import type { TaskOptions } from './task-options.js';

/**
 * Positional arguments for the task function from a Celery call's args and kwargs.
 * With `argNames`, kwargs fill their named positions; otherwise non-empty kwargs are
 * passed as one trailing object, so nothing a Python caller sent is dropped.
 */
export function resolveTaskArguments(options: Pick<TaskOptions, 'argNames'>, args: readonly unknown[], kwargs: Record<string, unknown>): unknown[] {
  const names = options.argNames;
  const keys = Object.keys(kwargs);
  if (keys.length === 0) return [...args];
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

/**
 * Check a task's arguments (as the function receives them: kwargs already mapped) against its
 * `args` schema and return the schema's output; without a schema, the arguments as they are.
 * Throws InvalidArgumentsError listing every issue.
 */
export async function validateTaskArguments(taskName: string, schema: StandardSchemaV1 | undefined, args: unknown[]): Promise<unknown[]> {
  if (schema === undefined) return args;
  const result = await schema['~standard'].validate(args);
  if (result.issues !== undefined) throw new InvalidArgumentsError(taskName, result.issues.map(toArgumentIssue));
  if (!Array.isArray(result.value)) {
    throw new InvalidArgumentsError(taskName, [{ path: [], message: `the args schema must produce an argument list (a tuple or array schema), it produced ${typeof result.value}` }]);
  }
  return result.value as unknown[];
}

function toArgumentIssue(issue: StandardSchemaV1Issue): ArgumentIssue {
  const path = (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
  return { path, message: issue.message };
}
