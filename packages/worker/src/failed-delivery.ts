import { TqError, type Delivery } from '@tq/core';
import type { Logger } from 'pino';
import type { WorkerEvents } from './worker-events.js';

interface FailureEvents {
  emit<E extends 'worker-error' | 'message-rejected'>(event: E, ...args: WorkerEvents[E]): boolean;
}

/** Codes of errors that repeat on every delivery of the same message, whatever the broker's state. */
const DETERMINISTIC_CODES = new Set(['TQ_UNSUPPORTED', 'TQ_CONFIGURATION', 'TQ_SERIALIZATION', 'TQ_PAYLOAD_TOO_LARGE', 'TQ_MALFORMED_MESSAGE', 'TQ_INVALID_CANVAS']);

function isDeterministic(error: unknown): error is TqError {
  return TqError.isInstance(error) && !error.retryable && DETERMINISTIC_CODES.has(error.code);
}

/**
 * A delivery whose processing threw. A broker or backend failure (retryable, or not a tq error) gives
 * the message back rather than lose it; an error that would repeat on every delivery (a message the
 * broker refuses to re-publish, a value that cannot be encoded) dead-letters it with the reason
 * instead of requeueing it in a loop.
 */
export async function settleFailedDelivery(delivery: Delivery, error: unknown, logger: Logger, events: FailureEvents): Promise<void> {
  events.emit('worker-error', { error, context: 'processing a delivery' });
  if (isDeterministic(error)) {
    const reason = { code: error.code, message: error.message };
    logger.error({ err: error, queue: delivery.queue }, `delivery failed with an error that would repeat; dead-lettering it: ${error.message}`);
    try {
      await delivery.reject(reason);
      events.emit('message-rejected', { queue: delivery.queue, reason, requeued: false });
      return;
    } catch (rejectError) {
      logger.error({ err: rejectError, queue: delivery.queue }, 'could not dead-letter the delivery; requeueing it');
    }
  } else {
    logger.error({ err: error, queue: delivery.queue }, 'delivery failed; requeueing');
  }
  await delivery.nack({ requeue: true }).catch(() => undefined);
}
