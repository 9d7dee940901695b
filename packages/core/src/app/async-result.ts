import type { ResultBackend, TaskMeta, SerializedError } from '../contracts/backend.js';
import { TaskState, isReadyState, type TaskStatus } from '../contracts/states.js';
import { ConfigurationError, TaskFailedError, TaskRevokedError } from '../errors/errors.js';

export interface GetOptions {
  /** Give up after this many ms with TimeoutError. @default wait forever */
  timeout?: number;
  /** Throw the task's error on FAILURE/REVOKED (TaskFailedError / TaskRevokedError). @default true */
  propagate?: boolean;
  signal?: AbortSignal;
}

/** Reads the backend lazily, so an app without a backend fails only when a result is asked for. */
export type BackendSource = () => ResultBackend | undefined;

/** A handle on one task call's result. `Result` is the task function's awaited return type. */
export class AsyncResult<Result = unknown> {
  constructor(
    readonly id: string,
    protected readonly backendSource: BackendSource,
    /** The result of the step before this one in a workflow (a chain's previous step, a chord's header), when known. */
    readonly parent?: AsyncResult,
  ) {}

  protected backend(): ResultBackend {
    const backend = this.backendSource();
    if (backend === undefined) {
      throw new ConfigurationError('This app has no result backend; pass createApp({ backend: "redis://…" }) (or "memory://") to read results.');
    }
    return backend;
  }

  /** The stored meta in Celery's shape. */
  info(): Promise<TaskMeta> {
    return this.backend().get(this.id);
  }

  async state(): Promise<TaskStatus> {
    return (await this.info()).status;
  }

  /** True once SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return isReadyState(await this.state());
  }

  async successful(): Promise<boolean> {
    return (await this.state()) === TaskState.SUCCESS;
  }

  async failed(): Promise<boolean> {
    return (await this.state()) === TaskState.FAILURE;
  }

  /** Wait for the result; throws TaskFailedError / TaskRevokedError when propagate (default). */
  async get(options: GetOptions = {}): Promise<Result> {
    const meta = await this.backend().waitFor(this.id, { timeoutMs: options.timeout, signal: options.signal });
    if (meta.status === TaskState.SUCCESS || options.propagate === false) return meta.result as Result;
    throw errorFromMeta(meta);
  }

  /** The error a FAILURE or REVOKED result stands for (what get() would throw), undefined otherwise. Errbacks use it with the id they receive. */
  async error(): Promise<TaskFailedError | TaskRevokedError | undefined> {
    const meta = await this.info();
    return meta.status === TaskState.FAILURE || meta.status === TaskState.REVOKED ? errorFromMeta(meta) : undefined;
  }

  /** Delete the stored result. */
  forget(): Promise<void> {
    return this.backend().forget(this.id);
  }

  /**
   * The calls this task made, as its worker recorded them in `children` (chain next steps,
   * link callbacks, tasks sent from inside it); empty until the task finished.
   */
  async children(): Promise<AsyncResult[]> {
    const meta = await this.info();
    return (meta.children ?? []).flatMap((child) => {
      const result = resultFromTuple(child, this.backendSource);
      return result === undefined ? [] : [result];
    });
  }

  /**
   * Walk this result and its children (breadth first, as Celery's collect does), waiting for each:
   * yields `[result, value]` pairs, e.g. every step of a chain sent from this task.
   */
  async *collect(options: GetOptions = {}): AsyncGenerator<[AsyncResult, unknown]> {
    const queue: AsyncResult[] = [this];
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      yield [node, await node.get(options)];
      queue.push(...(await node.children()));
    }
  }

  toString(): string {
    return this.id;
  }
}

function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && 'exc_type' in value;
}

/** The error a FAILURE or REVOKED meta stands for, as tq raises it. */
export function errorFromMeta(meta: TaskMeta): TaskFailedError | TaskRevokedError {
  const error = isSerializedError(meta.result) ? meta.result : undefined;
  const message = error === undefined ? String(meta.result) : Array.isArray(error.exc_message) ? error.exc_message.map(String).join(', ') : String(error.exc_message);
  if (meta.status === TaskState.REVOKED) return new TaskRevokedError(meta.task_id, message);
  return new TaskFailedError(meta.task_id, error?.exc_type ?? 'Error', message, error?.exc_module, meta.traceback ?? undefined);
}

/**
 * Celery's result tuple (`result.as_tuple()`): `[[id, parentTuple], null]` for a task,
 * `[[groupId, parentTuple], [memberTuples…]]` for a group (read here as a handle on the group id; tq stores task children only).
 */
export function resultFromTuple(value: unknown, backendSource: BackendSource): AsyncResult | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [head] = value as [unknown, unknown];
  const [id, parentTuple] = Array.isArray(head) ? (head as [unknown, unknown]) : [head, null];
  if (typeof id !== 'string') return undefined;
  const parent = parentTuple === null || parentTuple === undefined ? undefined : resultFromTuple(parentTuple, backendSource);
  return new AsyncResult(id, backendSource, parent);
}

/** A task result as Celery's tuple, for a meta's `children`. */
export function resultTuple(id: string): [[string, null], null] {
  return [[id, null], null];
}
