import type { DeadLetterReason, MessageHeaders } from '@tq/core';

export interface TaskEventBase {
  id: string;
  name: string;
  queue: string;
  /** The call: arguments, retries, workflow ids (every task event the worker emits carries it). */
  request?: TaskRequestFields;
}

/** What a task's message says about the call, for monitors (Celery's task-received fields). */
export interface TaskRequestFields {
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** The producer's own repr of the arguments (Celery sends one), when given. */
  argsrepr: string | null;
  kwargsrepr: string | null;
  retries: number;
  rootId: string;
  parentId: string | null;
  /** Epoch ms, or null. */
  eta: number | null;
  expires: number | null;
  /** The message's headers beyond Celery's own (a trace context, tq_sent_at, a caller's). */
  headers?: MessageHeaders;
}

/** What a Worker emits, for progress displays, metrics and tests. */
export interface WorkerEvents {
  'task-received': [TaskEventBase];
  /** `waitMs`: how long it waited since it was sent or became due (eta), when the producer stamped its send time (tq does, Celery does not). */
  'task-started': [TaskEventBase & { waitMs?: number }];
  'task-succeeded': [TaskEventBase & { result: unknown; runtimeMs: number }];
  'task-failed': [TaskEventBase & { error: unknown; runtimeMs: number }];
  'task-retried': [TaskEventBase & { error: unknown; retries: number; delayMs: number }];
  'task-revoked': [TaskEventBase & { reason: string; terminated?: boolean; signal?: string | null }];
  'task-rescheduled': [TaskEventBase & { eta: number }];
  'task-ignored': [TaskEventBase];
  /** The task replaced itself with a canvas (this.replace()). */
  'task-replaced': [TaskEventBase];
  /** A repeat send of a run-once call (a chord body delivered twice) was dropped without running. */
  'task-duplicate': [TaskEventBase];
  /** A message that could not run (malformed, unknown task, Reject) went to the dead-letter place. */
  'message-rejected': [{ queue: string; reason: DeadLetterReason; requeued: boolean }];
  /** A delivery was not started because its channel or lease was lost first; the broker delivers it again. */
  'delivery-dropped': [{ queue: string; reason: string }];
  /** The consumer lost its broker connection; the broker adapter reconnects by itself. `at` is epoch ms. */
  'broker-disconnected': [{ cause: Error; at: number }];
  /** The consumer is connected again and consuming, after `outageMs`. */
  'broker-reconnected': [{ outageMs: number }];
  /** Consuming: start() has connected, started the pool and subscribed (Celery's worker_ready). */
  'worker-ready': [{ hostname: string }];
  /** A stop began: warm (running tasks finish) or cold (Celery's worker_shutdown). */
  'worker-shutdown': [{ hostname: string; cold: boolean }];
  /** Something failed that the worker survived (a backend write, an ack). */
  'worker-error': [{ error: unknown; context: string }];
}
