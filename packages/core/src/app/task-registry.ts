import { DuplicateTaskError, UnknownTaskError } from '../errors/errors.js';
import type { AnyTask } from './task.js';

/** The tasks an app knows by name. */
export class TaskRegistry implements Iterable<AnyTask> {
  private readonly tasks = new Map<string, AnyTask>();

  add(task: AnyTask): void {
    if (this.tasks.has(task.name)) throw new DuplicateTaskError(task.name);
    this.tasks.set(task.name, task);
  }

  get(name: string): AnyTask | undefined {
    return this.tasks.get(name);
  }

  /** Like get, but throws UnknownTaskError naming the registered tasks. */
  require(name: string): AnyTask {
    const task = this.tasks.get(name);
    if (task === undefined) throw new UnknownTaskError(name, this.names());
    return task;
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  get size(): number {
    return this.tasks.size;
  }

  [Symbol.iterator](): Iterator<AnyTask> {
    return this.tasks.values();
  }
}
