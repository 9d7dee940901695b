import { toMilliseconds, type App } from '@tq/core';
import type { Logger } from 'pino';

/** An acksLate task allowed to run longer than the broker lets a delivery stay unacked. */
export interface AckTimeoutConflict {
  task: string;
  timeLimitMs: number;
  ackTimeoutMs: number;
}

/**
 * The acksLate tasks whose hard time limit is longer than the broker's ack timeout (RabbitMQ's
 * consumer_timeout): such a run outlives its channel, RabbitMQ requeues the message, and it runs twice.
 */
export function ackTimeoutConflicts(app: App): AckTimeoutConflict[] {
  const ackTimeoutMs = app.broker.ackTimeoutMs;
  if (ackTimeoutMs === undefined) return [];
  const conflicts: AckTimeoutConflict[] = [];
  for (const task of app.tasks) {
    const { acksLate, timeLimit } = task.options;
    if (acksLate !== true || timeLimit === undefined) continue;
    const timeLimitMs = toMilliseconds(timeLimit, `${task.name} timeLimit`);
    if (timeLimitMs > ackTimeoutMs) conflicts.push({ task: task.name, timeLimitMs, ackTimeoutMs });
  }
  return conflicts;
}

export function warnAboutAckTimeout(app: App, logger: Logger): void {
  for (const conflict of ackTimeoutConflicts(app)) {
    logger.warn(
      conflict,
      `task ${conflict.task} (acksLate) may run ${conflict.timeLimitMs} ms but the broker takes an unacked delivery back after ${conflict.ackTimeoutMs} ms ` +
        '(RabbitMQ consumer_timeout): a run that long is requeued and runs twice. Raise consumer_timeout (per queue: queues.consumerTimeoutMs), or lower the timeLimit',
    );
  }
}
