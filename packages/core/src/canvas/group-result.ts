import { TaskState, type TaskStatus } from '../contracts/states.js';
import { AsyncResult, type BackendSource, type GetOptions } from '../app/async-result.js';
import type { TaskMeta } from '../contracts/backend.js';
import { isReadyState } from '../contracts/states.js';

/**
 * The results of a group, in the group's order. `get()` resolves with every member's value (and
 * rejects with the first failure when propagating); save/restore go through the backend's groups capability.
 */
export class GroupResult<Results extends unknown[] = unknown[]> extends AsyncResult<Results> {
  constructor(
    id: string,
    readonly results: readonly AsyncResult[],
    backendSource: BackendSource,
    parent?: AsyncResult,
  ) {
    super(id, backendSource, parent);
  }

  /** Every member's value, in group order. */
  override async get(options: GetOptions = {}): Promise<Results> {
    const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout;
    const values: unknown[] = [];
    for (const result of this.results) {
      const timeout = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      values.push(await result.get({ ...options, ...(timeout !== undefined && { timeout }) }));
    }
    return values as Results;
  }

  /** SUCCESS when every member succeeded, FAILURE/REVOKED as soon as one did, else the least advanced member's state. */
  override async state(): Promise<TaskStatus> {
    const states = await Promise.all(this.results.map((result) => result.state()));
    if (states.includes(TaskState.FAILURE)) return TaskState.FAILURE;
    if (states.includes(TaskState.REVOKED)) return TaskState.REVOKED;
    if (states.every((state) => state === TaskState.SUCCESS)) return TaskState.SUCCESS;
    return states.find((state) => !isReadyState(state)) ?? TaskState.PENDING;
  }

  override async ready(): Promise<boolean> {
    return (await this.completedCount()) + (await this.failedCount()) === this.results.length;
  }

  /** How many members succeeded. */
  async completedCount(): Promise<number> {
    return (await this.metas()).filter((meta) => meta.status === TaskState.SUCCESS).length;
  }

  private async failedCount(): Promise<number> {
    return (await this.metas()).filter((meta) => meta.status === TaskState.FAILURE || meta.status === TaskState.REVOKED).length;
  }

  private metas(): Promise<TaskMeta[]> {
    return Promise.all(this.results.map((result) => result.info()));
  }

  /** Store the membership, so `app.restoreGroup(id)` can rebuild this handle (done for you when a group is applied). */
  async save(): Promise<void> {
    await this.backend().saveGroup(this.id, this.results.map((result) => result.id));
  }

  /** Forget every member's result and the saved membership. */
  override async forget(): Promise<void> {
    await Promise.all(this.results.map((result) => result.forget()));
    await this.backend().forgetGroup(this.id);
  }
}
