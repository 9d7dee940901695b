import type { Logger } from 'pino';
import type { Duration } from '@tq/core';

export interface WorkerOptions {
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
