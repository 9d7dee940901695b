import type {
  BackendCapabilities,
  ChordJoinResult,
  ResultBackend,
  RevocationStore,
  StateUpdate,
  TaskMeta,
  WaitOptions,
} from '../contracts/backend.js';
import { TaskState, isReadyState } from '../contracts/states.js';
import { ClosedError, ConfigurationError, TimeoutError, UnsupportedError } from '../errors/errors.js';
import { validateId } from '../util/backend-arguments.js';
import { setClockTimer } from '../util/clock.js';
import { BackendStore } from './backend-store.js';
import { copyValue } from './copy-value.js';
import type { MemoryBackendOptions } from './memory-backend-options.js';
import { sharedStore, validateNamespace } from './shared-namespaces.js';
import { nextMeta, pendingMeta } from './task-meta.js';

const ONE_DAY_MS = 86_400_000;

/** An in-process result backend with every semantic of the backend contract, push-based waitFor included. */
export function createMemoryBackend(options: MemoryBackendOptions = {}): ResultBackend {
  return new MemoryBackend(options);
}

class MemoryBackend implements ResultBackend {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'memory';
  readonly capabilities: BackendCapabilities;
  readonly displayUrl: string;
  private readonly store: BackendStore;
  private readonly resultExpiresMs: number;
  private closed = false;
  /** Rejecters of pending waitFor calls, so close() can end them. */
  private readonly pendingWaits = new Set<(error: Error) => void>();

  constructor(options: MemoryBackendOptions) {
    const namespace = validateNamespace(options.namespace);
    this.resultExpiresMs = validateExpiry(options.resultExpiresMs);
    this.store = sharedStore('backend', namespace, options.clock, (clock) => new BackendStore(clock));
    this.displayUrl = `memory://${namespace}`;
    // Writes apply synchronously when called, so they are ordered.
    this.capabilities = { push: true, chordJoin: options.chordJoin ?? true, groups: true, orderedWrites: true };
  }

  async connect(): Promise<void> {
    this.assertOpen();
  }

  async storeState(taskId: string, update: StateUpdate): Promise<boolean> {
    this.assertOpen();
    validateId(taskId, 'task id');
    const previous = this.store.readResult(taskId);
    // A duplicate delivery must not turn a finished task back into RETRY or FAILURE.
    if (previous?.status === TaskState.SUCCESS) return false;
    this.store.writeResult(taskId, nextMeta(taskId, previous, update, this.store.clock.now()), this.resultExpiresMs);
    return true;
  }

  async get(taskId: string): Promise<TaskMeta> {
    this.assertOpen();
    validateId(taskId, 'task id');
    return this.readMeta(taskId);
  }

  waitFor(taskId: string, options: WaitOptions = {}): Promise<TaskMeta> {
    return new Promise<TaskMeta>((resolve, reject) => {
      this.assertOpen();
      validateId(taskId, 'task id');
      const { signal, timeoutMs } = options;
      if (signal?.aborted === true) throw signal.reason;
      const current = this.readMeta(taskId);
      if (isReadyState(current.status)) {
        resolve(current);
        return;
      }
      // The store wakes us when the state is written: no polling.
      const finish = (outcome: () => void): void => {
        unsubscribe();
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        this.pendingWaits.delete(fail);
        outcome();
      };
      const fail = (error: unknown): void => finish(() => reject(error));
      const onAbort = (): void => fail(signal?.reason);
      const unsubscribe = this.store.onReady(taskId, (meta) => finish(() => resolve(copyValue(meta, 'the task meta'))));
      const timer =
        timeoutMs === undefined
          ? undefined
          : setClockTimer(this.store.clock, () => fail(new TimeoutError(`Task ${taskId} was not ready within ${timeoutMs} ms.`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pendingWaits.add(fail);
    });
  }

  readonly revocations: RevocationStore = {
    add: async (ids, expiresAt) => {
      this.assertOpen();
      for (const id of ids) {
        validateId(id, 'task id');
        this.store.revoked.set(id, Math.max(expiresAt, this.store.revoked.get(id) ?? 0));
      }
    },
    list: async () => {
      this.assertOpen();
      const now = this.store.clock.now();
      const live: Array<{ id: string; expiresAt: number }> = [];
      for (const [id, expiresAt] of this.store.revoked) {
        if (expiresAt > now) live.push({ id, expiresAt });
        else this.store.revoked.delete(id);
      }
      return live;
    },
  };

  async forget(taskId: string): Promise<void> {
    this.assertOpen();
    this.store.deleteResult(taskId);
  }

  async saveGroup(groupId: string, taskIds: readonly string[]): Promise<void> {
    this.assertOpen();
    validateId(groupId, 'group id');
    this.store.writeGroup(groupId, [...taskIds], this.resultExpiresMs);
  }

  async restoreGroup(groupId: string): Promise<string[] | undefined> {
    this.assertOpen();
    const taskIds = this.store.readGroup(groupId);
    return taskIds === undefined ? undefined : [...taskIds];
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.assertOpen();
    this.store.deleteGroup(groupId);
  }

  async chordJoin(groupId: string, memberId: string, size: number): Promise<ChordJoinResult> {
    this.assertOpen();
    if (!this.capabilities.chordJoin) {
      throw new UnsupportedError('This memory backend was built with chordJoin: false, so it has no chord counter; run chords with a backend that has one.');
    }
    validateId(groupId, 'group id');
    validateId(memberId, 'member id');
    if (!Number.isInteger(size) || size < 1) throw new ConfigurationError(`Invalid chord size ${size}: expected a positive integer.`);
    return this.store.joinChord(groupId, memberId, size, this.resultExpiresMs);
  }

  /** Pending waitFor calls reject with ClosedError; results stay in the namespace for other instances. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ClosedError(`The memory backend ${this.displayUrl}`);
    for (const fail of [...this.pendingWaits]) fail(error);
  }

  private readMeta(taskId: string): TaskMeta {
    const meta = this.store.readResult(taskId);
    return meta === undefined ? pendingMeta(taskId) : copyValue(meta, 'the task meta');
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`The memory backend ${this.displayUrl}`);
  }
}

function validateExpiry(value: number | undefined): number {
  if (value === undefined) return ONE_DAY_MS;
  if (Number.isNaN(value) || value <= 0) {
    throw new ConfigurationError(`Invalid resultExpiresMs ${value}: expected a positive number of milliseconds, or Infinity to keep results.`);
  }
  return value;
}
