import { toMilliseconds, type AnyTask, type Duration, type Task } from '@tq/core';
import { InvalidScheduleError } from './errors.js';
import { createSchedule, type Schedule, type ScheduleSpec } from './schedules/index.js';

/**
 * What to do with ticks that came due while no beat was leading (downtime, a takeover):
 * - `'none'`: skip them; only a tick that is at most `lateAfter` late is sent.
 * - `'one'`: send the most recent missed tick once, skip the older ones (Celery beat's behaviour).
 * - `'all'`: send every missed tick, oldest first, at most `maxCatchUp` of them (the most recent).
 */
export type CatchUp = 'none' | 'one' | 'all';

/** Per-entry send options. */
export interface EntryOptions {
  queue?: string;
  /** 0 (lowest) .. 255. */
  priority?: number;
  /**
   * A tick not started within this long after it was sent is revoked by the worker instead of run.
   * @default the schedule's period (time to the next tick); none for a one-off
   */
  expires?: Duration;
}

interface EntryCommon {
  kwargs?: Record<string, unknown>;
  options?: EntryOptions;
  /** @default 'one' */
  catchUp?: CatchUp;
  /** A disabled entry sends nothing (a stored `enabled: false` switches off an entry defined in code). @default true */
  enabled?: boolean;
}

/** An entry as JSON: in a schedule file and in the store. The task is named, args are plain JSON. */
export type EntryDefinition = ScheduleSpec &
  EntryCommon & {
    name: string;
    task: string;
    args?: unknown[];
  };

/** The positional args a task takes, required when it has required parameters. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the result type is irrelevant here
export type TaskArgsField<T> = T extends Task<infer Args, any> ? ([] extends Args ? { args?: NoInfer<Args> } : { args: NoInfer<Args> }) : never;

/** The typed form for code: args are checked against the task's parameters. */
export type EntryInput<T extends AnyTask> = ScheduleSpec & EntryCommon & { task: T } & TaskArgsField<T>;

/** An entry ready to run: validated, with its schedule built. */
export interface ResolvedEntry {
  readonly name: string;
  readonly task: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly options: EntryOptions;
  readonly catchUp: CatchUp;
  readonly enabled: boolean;
  readonly schedule: Schedule;
  readonly definition: EntryDefinition;
}

const CATCH_UP: readonly CatchUp[] = ['none', 'one', 'all'];
const SCHEDULE_KEYS = ['every', 'anchor', 'cron', 'timezone', 'solar', 'latitude', 'longitude', 'at'] as const;
const KNOWN_KEYS = new Set<string>(['name', 'task', 'args', 'kwargs', 'options', 'catchUp', 'enabled', ...SCHEDULE_KEYS]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validate a definition from anywhere (code, file, store) and build its schedule. Unknown keys are
 * rejected so a typo ("catchup") does not silently fall back to a default.
 */
export function resolveEntry(input: unknown): ResolvedEntry {
  if (!isRecord(input)) throw new InvalidScheduleError('?', `an entry must be an object, got ${JSON.stringify(input)}.`);
  const name = input.name;
  if (typeof name !== 'string' || name.length === 0) throw new InvalidScheduleError('?', `every entry needs a non-empty "name" string, got ${JSON.stringify(name)}.`);
  const unknown = Object.keys(input).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new InvalidScheduleError(name, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known fields: ${[...KNOWN_KEYS].join(', ')}.`);
  if (typeof input.task !== 'string' || input.task.length === 0) throw new InvalidScheduleError(name, 'needs "task": the task name to send.');
  const args = input.args ?? [];
  if (!Array.isArray(args)) throw new InvalidScheduleError(name, '"args" must be an array.');
  const kwargs = input.kwargs ?? {};
  if (!isRecord(kwargs)) throw new InvalidScheduleError(name, '"kwargs" must be an object.');
  const options = input.options ?? {};
  if (!isRecord(options)) throw new InvalidScheduleError(name, '"options" must be an object with queue, priority, expires.');
  validateOptions(name, options);
  const catchUp = input.catchUp ?? 'one';
  if (!CATCH_UP.includes(catchUp as CatchUp)) throw new InvalidScheduleError(name, `catchUp must be 'none', 'one' or 'all', got ${JSON.stringify(catchUp)}.`);
  const enabled = input.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new InvalidScheduleError(name, '"enabled" must be true or false.');
  if (input.cron !== undefined && typeof input.cron !== 'string') throw new InvalidScheduleError(name, '"cron" must be a string such as "*/5 * * * *".');
  const definition = { ...input } as unknown as EntryDefinition;
  return {
    name,
    task: input.task,
    args,
    kwargs,
    options: options as EntryOptions,
    catchUp: catchUp as CatchUp,
    enabled,
    schedule: createSchedule(name, definition),
    definition,
  };
}

function validateOptions(name: string, options: Record<string, unknown>): void {
  const unknown = Object.keys(options).filter((key) => !['queue', 'priority', 'expires'].includes(key));
  if (unknown.length > 0) throw new InvalidScheduleError(name, `unknown option ${unknown.join(', ')}; entry options are queue, priority, expires.`);
  if (options.queue !== undefined && (typeof options.queue !== 'string' || options.queue.length === 0)) throw new InvalidScheduleError(name, 'options.queue must be a queue name.');
  if (options.priority !== undefined && (typeof options.priority !== 'number' || !Number.isInteger(options.priority) || options.priority < 0 || options.priority > 255)) {
    throw new InvalidScheduleError(name, 'options.priority must be a whole number from 0 to 255.');
  }
  if (options.expires !== undefined) {
    try {
      toMilliseconds(options.expires as Duration, 'options.expires');
    } catch (cause) {
      throw new InvalidScheduleError(name, (cause as Error).message, { cause });
    }
  }
}

/** The JSON definition of a typed code entry: the task by name, everything else as given. */
export function definitionFromInput(name: string, input: EntryInput<AnyTask> | Omit<EntryDefinition, 'name'>): EntryDefinition {
  const task = input.task as AnyTask | string;
  const { task: _task, ...rest } = input as unknown as Record<string, unknown>;
  void _task;
  return { ...rest, name, task: typeof task === 'string' ? task : task.name } as EntryDefinition;
}
