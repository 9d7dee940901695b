import type { TaskStatus } from './states.js';

/**
 * The result backend contract (ARCHITECTURE §4). Every semantic here is a case in
 * @tq/testing's backendConformance suite.
 */

/** An error as Celery stores it, so both ecosystems can read it. */
export interface SerializedError {
  exc_type: string;
  exc_message: string | unknown[];
  exc_module: string;
}

/** The stored meta of one task, in Celery's field names. */
export interface TaskMeta {
  task_id: string;
  status: TaskStatus;
  /** The return value on SUCCESS, a SerializedError on FAILURE/RETRY/REVOKED, progress meta on custom states. */
  result: unknown;
  traceback: string | null;
  children: unknown[];
  /** ISO-8601, set when the state is ready. */
  date_done: string | null;
  /** Extended fields (Celery's result_extended); optional. */
  name?: string | null;
  args?: unknown[] | null;
  kwargs?: Record<string, unknown> | null;
  worker?: string | null;
  retries?: number | null;
  queue?: string | null;
  group_id?: string | null;
  parent_id?: string | null;
}

export interface StateUpdate {
  status: TaskStatus;
  result?: unknown;
  traceback?: string | null;
  children?: unknown[];
  name?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  worker?: string;
  retries?: number;
  queue?: string;
  groupId?: string;
  parentId?: string;
  /**
   * The update carries every extended field there is (an absent one means "none"), so nothing
   * needs carrying over from the stored meta: an adapter may write without reading first.
   * The worker sets it on the states it records.
   */
  complete?: boolean;
}

export interface BackendCapabilities {
  /** waitFor is woken by the store (pub/sub, LISTEN/NOTIFY) rather than by polling. */
  push: boolean;
  /** chordJoin is available: an atomic per-group counter deduplicated by member id. */
  chordJoin: boolean;
  /** saveGroup/restoreGroup keep group membership. */
  groups: boolean;
  /** listResults is available: stored results can be queried by state, task name and time. Absent means false. */
  history?: boolean;
  /**
   * storeState calls for the same task apply in the order they were made, even when the caller
   * does not wait for one before making the next (one ordered connection, like Redis's). The
   * worker then lets a task start without waiting for its STARTED write. Absent means false.
   */
  orderedWrites?: boolean;
}

/** Which stored results `listResults` returns; every filter is optional and they combine with AND. */
export interface ResultQuery {
  /** Only these states (e.g. 'FAILURE', or ['SUCCESS', 'FAILURE']). */
  status?: TaskStatus | readonly TaskStatus[];
  /** Only this task name (the extended field `name`). */
  name?: string;
  /** Only results stored at or after this instant. */
  since?: Date;
  /** Only results stored before this instant. */
  until?: Date;
  /** At most this many, newest first; adapters cap it (see their docs). */
  limit?: number;
}

/** One stored result as listResults returns it: the meta plus when it was last stored (ISO-8601). */
export interface ResultRecord extends TaskMeta {
  stored_at: string;
}

/** What a `migrate()` did: the versions it applied now (empty when up to date) and the version the store is at. */
export interface MigrationReport {
  applied: readonly string[];
  version: number;
}

export interface ChordJoinResult {
  /** Distinct members counted so far, this one included. */
  count: number;
  /**
   * True for the member whose arrival completed the group, and again for that same member if it
   * joins twice (a redelivery); false for every other call. The body is sent by whoever sees true,
   * with a fixed body id so a repeat send is recognised as a duplicate.
   */
  completed: boolean;
}

export interface WaitOptions {
  /** Give up after this many ms with a TimeoutError; default: wait forever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Revoked task ids kept with an expiry (ARCHITECTURE §8, issue: durable revokes), so a worker
 * started after a revoke, or one that missed the broadcast, still skips the task. Celery forgets
 * revokes on restart unless a worker runs with --statedb; tq keeps them where results are kept.
 */
export interface RevocationStore {
  /** Keep these ids as revoked until `expiresAt` (epoch ms); adding one again extends it. */
  add(ids: readonly string[], expiresAt: number): Promise<void>;
  /** The ids revoked and not yet expired, with their expiry. */
  list(): Promise<Array<{ id: string; expiresAt: number }>>;
}

export interface ResultBackend {
  readonly specificationVersion: 'v1';
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  readonly displayUrl: string;
  connect(): Promise<void>;
  /**
   * Record a state. Never overwrites SUCCESS: returns false (and writes nothing)
   * when the stored state is SUCCESS already. Extended fields (name, args, worker…) left out of
   * an update keep their stored values.
   */
  storeState(taskId: string, update: StateUpdate): Promise<boolean>;
  /** The latest meta; an unknown id reads as PENDING. */
  get(taskId: string): Promise<TaskMeta>;
  /** Resolve with the meta once the task is in a ready state (SUCCESS, FAILURE, REVOKED); rejects with TimeoutError, or with the signal's reason on abort. */
  waitFor(taskId: string, options?: WaitOptions): Promise<TaskMeta>;
  forget(taskId: string): Promise<void>;
  saveGroup(groupId: string, taskIds: readonly string[]): Promise<void>;
  restoreGroup(groupId: string): Promise<string[] | undefined>;
  forgetGroup(groupId: string): Promise<void>;
  /**
   * Count `memberId` into group `groupId` of `size` members, atomically and at most once per member.
   * Throws UnsupportedError where capabilities.chordJoin is false, and ConfigurationError when
   * `size` differs from the size the group was first joined with.
   */
  chordJoin(groupId: string, memberId: string, size: number): Promise<ChordJoinResult>;
  /**
   * Optional: bring the store's schema up to date now (backends with a schema, e.g. Postgres), for
   * `tq migrate`. Safe to run from several processes at once.
   */
  migrate?(): Promise<MigrationReport>;
  /** Optional: durable revokes, read by workers at start and every few seconds. */
  readonly revocations?: RevocationStore;
  /** Optional, where capabilities.history is true: recent results matching `query`, newest first (`tq results`). */
  listResults?(query: ResultQuery): Promise<ResultRecord[]>;
  close(): Promise<void>;
}

export interface BackendOptionsBase {
  /** How long results are kept, in ms; default one day (Celery's result_expires). */
  resultExpiresMs?: number;
}
