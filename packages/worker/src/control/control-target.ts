/**
 * What remote control needs of a worker: read-only views of its requests and settings, and the few
 * actions Celery's control commands take. The Worker implements it; handlers never see its internals.
 */

/** Celery's Request.info(): one running or reserved task as `celery inspect active/reserved` shows it. */
export interface RequestInfo {
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
  readonly kwargs: unknown;
  /** Celery's type: the task name. */
  readonly type: string;
  readonly hostname: string;
  /** Epoch seconds it started, or null while reserved. */
  readonly time_start: number | null;
  readonly acknowledged: boolean;
  readonly delivery_info: { readonly exchange: string; readonly routing_key: string; readonly priority: number | null; readonly redelivered: boolean };
  readonly worker_pid: number | null;
}

export interface RevokeResult {
  /** Ids of running tasks that were stopped. */
  readonly terminated: readonly string[];
}

/** pool_grow / pool_shrink by n members, or autoscale's new bounds (either may be left as it is). */
export type PoolChange = { grow: number } | { shrink: number } | { autoscale: { max: number | undefined; min: number | undefined } };

export interface ControlTarget {
  readonly hostname: string;
  readonly pid: number;
  active(): RequestInfo[];
  reserved(): RequestInfo[];
  /** Ids flagged as revoked (this process's view, durable ones included). */
  revoked(): string[];
  /** Registered task names with their rate limit, e.g. `tasks.add [rate_limit=10/m]`. */
  registered(): Array<{ name: string; rateLimit: string | null }>;
  queues(): string[];
  /** Celery's `stats` reply: total per task, pool, broker, uptime, rusage. */
  stats(): Record<string, unknown>;
  /** Sanitised settings for `conf`. */
  conf(): Record<string, unknown>;
  /** Flag ids as revoked; with `terminate`, stop those running (a pool member is killed, an async run is aborted). */
  revoke(ids: readonly string[], options: { terminate: boolean; signal: string | null }): Promise<RevokeResult>;
  /** Throws ConfigurationError for a rate the parser refuses; false for an unknown task. */
  setRateLimit(taskName: string, rate: string | null): boolean;
  setTimeLimit(taskName: string, limits: { soft: number | null; hard: number | null }): boolean;
  addConsumer(queue: string): Promise<void>;
  cancelConsumer(queue: string): Promise<void>;
  setEvents(enabled: boolean): void;
  sendHeartbeat(): void;
  /** Resize the pool; why it cannot (the async pool, a fixed pool asked to autoscale…), or undefined. */
  resizePool(change: PoolChange): string | undefined;
  /** The pool's current bounds (members at most and kept while idle). */
  poolLimits(): { max: number; min: number };
  shutdown(reason: string): void;
}
