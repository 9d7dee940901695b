import { AsyncLocalStorage } from 'node:async_hooks';

/** The task a worker is running in this async context, so calls made from inside it join its workflow. */
export interface CurrentTask {
  readonly id: string;
  readonly rootId: string;
  /** Ids of the calls sent from inside it, recorded as the task's `children`. */
  readonly children: string[];
}

// One store per process, shared by the ESM and CJS copies of @tq/core (like the URL registry).
const KEY = Symbol.for('tq.currentTask');
const holder = globalThis as typeof globalThis & { [KEY]?: AsyncLocalStorage<CurrentTask> };
const storage = (holder[KEY] ??= new AsyncLocalStorage<CurrentTask>());

/** Run `fn` as task `current`: tasks sent inside get parent_id = its id and root_id = its root. */
export function runAsTask<T>(current: CurrentTask, fn: () => T): T {
  return storage.run(current, fn);
}

/** The task running in this async context, if any. */
export function currentTask(): CurrentTask | undefined {
  return storage.getStore();
}
