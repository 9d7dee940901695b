import { Task, type App, type AnyTask, type SignatureDict, type TaskContext } from '@tq/core';

/**
 * Celery's built-in tasks that canvases send: `celery.map` / `celery.starmap` (task.map / starmap /
 * chunks) run a registered task on every item inside one call; `celery.accumulate` returns one of
 * its arguments (Task.replace with a group uses it to hand the group's results on). Keyword
 * arguments arrive as one trailing object (tasks without argNames), as Celery sends them.
 */
export function builtinTasks(app: App): Map<string, AnyTask> {
  const runEach = (spread: boolean) =>
    async function (this: TaskContext, kwargs: { task: SignatureDict; it: unknown[] }): Promise<unknown[]> {
      const task = app.tasks.require(kwargs.task.task);
      const results: unknown[] = [];
      for (const item of kwargs.it) results.push(await task.run(this, ...(spread ? (item as unknown[]) : [item])));
      return results;
    };
  const accumulate = (...args: unknown[]): unknown => {
    const last = args.at(-1);
    if (typeof last === 'object' && last !== null && 'index' in last) {
      const index = (last as { index: unknown }).index;
      return typeof index === 'number' ? args[index] : args.slice(0, -1);
    }
    return args;
  };
  const tasks: AnyTask[] = [
    new Task('celery.map', runEach(false), {}, app),
    new Task('celery.starmap', runEach(true), {}, app),
    new Task('celery.accumulate', accumulate, {}, app),
  ];
  return new Map(tasks.map((task) => [task.name, task]));
}
