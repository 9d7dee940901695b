import { Replace, Retry, runAsTask, type AnyTask, type CurrentTask, type TaskContext } from '@tq/core';
import { type Abortable, LazyAbortController } from '../lazy-abort.js';
import { type Limits, type RunOutcome, runWithLimits } from '../run-with-limits.js';
import { taskArguments, validatedTaskArguments } from '../task-arguments.js';
import type { ContextData } from './task-pool.js';

export interface RunTaskInput {
  task: AnyTask;
  args: unknown[];
  kwargs: Record<string, unknown>;
  context: ContextData;
  limits: Limits;
  updateState(state: string, meta: unknown): Promise<void>;
  current: CurrentTask;
  running: Set<Abortable>;
  scope?(run: () => unknown): unknown;
}

/**
 * Run one task body under its limits with its context bound to `this`. The same code runs in the
 * async pool and inside every thread or process member, so a task behaves alike in each pool.
 */
export function runTask(input: RunTaskInput): Promise<RunOutcome> {
  const controller = new LazyAbortController();
  input.running.add(controller);
  const context = taskContext(input.context, controller, input.updateState);
  // A task with an `args` schema checks its arguments where it runs (InvalidArgumentsError, never retried); one without keeps the plain path.
  const body =
    input.task.options.args === undefined
      ? () => runAsTask(input.current, () => input.task.run(context, ...taskArguments(input.task, input.args, input.kwargs)))
      : () => runAsTask(input.current, async () => input.task.run(context, ...(await validatedTaskArguments(input.task, input.args, input.kwargs))));
  const { scope } = input;
  // runWithLimits never rejects: one .then, no async wrapper, keeps the async pool's hot path as short as before the seam.
  return runWithLimits(scope === undefined ? body : () => scope(body), controller, input.limits).then((outcome) => {
    input.running.delete(controller);
    return outcome;
  });
}

function taskContext(data: ContextData, controller: LazyAbortController, updateState: (state: string, meta: unknown) => Promise<void>): TaskContext {
  return {
    ...data,
    get signal() {
      return controller.signal;
    },
    retry(options) {
      throw new Retry(options);
    },
    replace(canvas) {
      throw new Replace(canvas);
    },
    updateState: (state, meta) => updateState(state, meta ?? null),
  };
}
