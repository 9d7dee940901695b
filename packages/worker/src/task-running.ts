import type { Abortable } from './lazy-abort.js';

/** One run's controllers: kept in the worker's set of all runs and under the run's task id (revoke --terminate finds it there). */
export class TaskRunning extends Set<Abortable> {
  constructor(
    private readonly all: Set<Abortable>,
    private readonly byId: Map<string, Abortable>,
    private readonly id: string,
  ) {
    super();
  }

  override add(abortable: Abortable): this {
    this.all.add(abortable);
    this.byId.set(this.id, abortable);
    return super.add(abortable);
  }

  override delete(abortable: Abortable): boolean {
    this.all.delete(abortable);
    if (this.byId.get(this.id) === abortable) this.byId.delete(this.id);
    return super.delete(abortable);
  }
}
