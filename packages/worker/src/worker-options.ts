import type { Logger } from 'pino';
import type { Duration } from '@tq/core';

export interface WorkerOptions extends PoolOptions {
  /** Queues to consume. @default [app.defaultQueue] */
  queues?: readonly string[];
  /** Tasks run at once (async concurrency in this process). @default 10 */
  concurrency?: number;
  /** Unacked deliveries held at once; at least `concurrency`. @default concurrency × 4 (Celery's prefetch multiplier) */
  prefetch?: number;
  /** Store STARTED when a task begins (Celery's task_track_started). @default true */
  trackStarted?: boolean;
  /** How long a warm shutdown waits for running tasks before going cold. @default "30s" */
  shutdownTimeout?: Duration;
  /** Name reported in results and logs. @default "tq@<hostname>" */
  hostname?: string;
  /** A pino logger; default: pino at `logLevel`. */
  logger?: Logger;
  /** @default "info" */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /**
   * Answer Celery's remote control (`celery inspect` / `celery control`, `tq inspect`) and send
   * worker events, where the broker can broadcast (Redis, RabbitMQ, memory). @default true
   */
  control?: boolean;
  /** Send task events (Celery's -E / worker_send_task_events); `enable_events` turns them on at runtime. @default false */
  events?: boolean;
  /** Send worker-heartbeat events every 2 s (Celery's default; --without-heartbeat turns them off). @default true */
  heartbeat?: boolean;
  /** How often to read durable revokes from the result backend (also at start); false not to. @default "5s" */
  revokeSync?: Duration | false;
}

/** Where tasks run (Celery's --pool); see the pool section of the README. */
export interface PoolOptions {
  /** "async" (this event loop, the default), "threads" (worker_threads) or "processes" (child_process.fork). */
  pool?: 'async' | 'threads' | 'processes';
  /** The module that exports the app, loaded by every thread/process member ("./src/tasks.ts" or "./src/tasks.ts:app"). Required by those pools. */
  appModule?: string;
  /** Directory appModule is resolved from. @default process.cwd() */
  appModuleCwd?: string;
  /** Replace a member after it ran this many tasks (Celery's --max-tasks-per-child). */
  maxTasksPerChild?: number;
  /** Replace a member whose memory exceeds this many KiB after a task (Celery's --max-memory-per-child): RSS for processes, heap for threads. */
  maxMemoryPerChild?: number;
  /** [max, min] members (Celery's --autoscale max,min); max is then the worker's concurrency. */
  autoscale?: readonly [number, number];
  /** How long an idle member above the autoscale minimum lives. @default "30s" */
  autoscaleKeepalive?: Duration;
  /** With acksLate, requeue a task whose member died instead of failing it (Celery's task_reject_on_worker_lost). @default false */
  rejectOnWorkerLost?: boolean;
}
