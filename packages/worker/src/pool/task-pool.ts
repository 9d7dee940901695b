import type { AnyTask, CurrentTask, TaskInvocation } from '@tq/core';
import type { Abortable } from '../lazy-abort.js';
import type { Limits, RunOutcome } from '../run-with-limits.js';

/** Where tasks run: the worker's event loop, worker threads, or child processes. */
export type PoolKind = 'async' | 'threads' | 'processes';

/** The plain fields of a task's context: what crosses to a pool member. */
export interface ContextData {
  id: string;
  name: string;
  retries: number;
  maxRetries: number;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  queue: string;
  redelivered: boolean;
}

/** One task to run: the task, its call, its context and its time limits. */
export interface PoolJob {
  task: AnyTask;
  invocation: TaskInvocation;
  context: ContextData;
  limits: Limits;
}

/** What a running task may ask of the main thread. */
export interface PoolHooks {
  /** this.updateState(): stored by the main thread, which holds the backend. */
  updateState(state: string, meta: unknown): Promise<void>;
  /** Ids of calls the task sent, so its result lists them as children. */
  current: CurrentTask;
  /** Running tasks, so a cold shutdown can abort them. */
  running: Set<Abortable>;
  /** Send a call made from inside a member through the worker's broker. */
  publish(invocation: TaskInvocation, queue: string): Promise<void>;
  /**
   * A pool that queues tasks ahead of a free member calls this when the task really starts (its ack,
   * STARTED and task-started happen then). 'run' goes on; 'revoked' (revoked while it waited) and
   * 'returned' (the worker is stopping) end it unstarted with a NotStartedError outcome.
   */
  started?(): 'run' | 'revoked' | 'returned';
  /** The app's task scopes around the body (`app.taskScopes`), for a pool that runs it in this event loop. */
  scope?(run: () => unknown): unknown;
}

/**
 * The worker's execution seam: run this task and give me its outcome. The delivery processor talks
 * to this interface only; async, threads and processes implement it in their own files.
 */
export interface TaskPool {
  readonly kind: PoolKind;
  /** Tasks it takes beyond its running ones, waiting for a member (0: it runs whatever it is given). */
  readonly lookahead: number;
  /** Start members (no-op for async). */
  start(): Promise<void>;
  run(job: PoolJob, hooks: PoolHooks): Promise<RunOutcome>;
  /** Warm shutdown: end the tasks still waiting for a member unstarted ('returned'), so they go back to the broker. */
  handBack?(): void;
  /** Members running a task and members free, for pools with members (metrics, inspect stats). */
  occupancy?(): { busy: number; idle: number };
  /** Stop members; running tasks are abandoned. */
  close(): Promise<void>;
}

/** A pool's size bounds: members at most, members kept while idle, and whether load moves it between them. */
export interface PoolLimits {
  readonly max: number;
  readonly min: number;
  readonly autoscale: boolean;
}

/**
 * Celery's pool_grow, pool_shrink and autoscale control commands, for pools with members. Each
 * returns why it cannot, or undefined once the change is under way.
 */
export interface ResizablePool {
  readonly limits: PoolLimits;
  grow(n: number): string | undefined;
  shrink(n: number): string | undefined;
  setAutoscale(max: number | undefined, min: number | undefined): string | undefined;
}

export function isResizable(pool: TaskPool): pool is TaskPool & ResizablePool {
  return 'setAutoscale' in pool;
}
