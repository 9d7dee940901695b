import type { Broker } from '../contracts/broker.js';
import type { ResultBackend } from '../contracts/backend.js';
import type { Serializer } from '../contracts/serializer.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { TaskOptions } from './task-options.js';
import type { TaskRoutes } from './task-routes.js';

export interface AppOptions {
  /** Broker URL or instance. @default "memory://" */
  broker?: string | Broker;
  /** Result backend URL or instance; null disables results. @default "memory://" */
  backend?: string | ResultBackend | null;
  /** Queue for tasks without a queue option or route. @default "celery" (Celery's default) */
  defaultQueue?: string;
  /** Route task names (exact or glob) to queues. */
  taskRoutes?: TaskRoutes;
  /** Defaults for every task, under each task's own options (an args schema is per task). */
  taskDefaults?: Omit<TaskOptions, 'args'>;
  /** Serializer for outgoing messages; incoming ones are decoded by content type. @default JSON */
  serializer?: Serializer;
  /**
   * Publish Celery's `task-sent` event for every task this app sends (Celery's task_send_sent_event),
   * so `tq events`, `celery events` and Flower list a task from the moment it is queued. @default false
   */
  sendSentEvents?: boolean;
  /** Reported as the `origin` header. @default "<pid>@<hostname>" */
  origin?: string;
  clock?: Clock;
  generateId?: IdGenerator;
}
