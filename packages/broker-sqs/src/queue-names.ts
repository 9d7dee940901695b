import { ConfigurationError } from '@tq/core';

/** SQS accepts 1..80 characters of [A-Za-z0-9_-], plus ".fifo" at the end of a FIFO queue's name. */
const SQS_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_SUFFIX = '.fifo';
// Python's string.punctuation: kombu turns each of these into "_", except "-" and "_" (kept) and "." ("-").
const PUNCTUATION = /[!"#$%&'()*+,/:;<=>?@[\\\]^`{|}~]/g;

/**
 * The SQS queue name of a tq/Celery queue, exactly as kombu 5.2's `canonical_queue_name` builds it:
 * prefix + name, dots to dashes, other punctuation to underscores, a trailing ".fifo" kept. Python
 * Celery with the same `queue_name_prefix` transport option therefore meets tq on the same queue.
 */
export function sqsQueueName(prefix: string, queue: string): string {
  const full = prefix + queue;
  const fifo = full.endsWith(FIFO_SUFFIX);
  const base = fifo ? full.slice(0, -FIFO_SUFFIX.length) : full;
  const mangled = base.replace(PUNCTUATION, '_').replaceAll('.', '-');
  if (!SQS_NAME.test(mangled)) {
    throw new ConfigurationError(
      `Queue "${queue}" (with prefix "${prefix}") maps to the SQS name "${mangled}", which SQS rejects: ` +
        'use at most 80 letters, digits, "-" or "_" (kombu turns "." into "-" and other punctuation into "_"); whitespace and non-ASCII are not allowed.',
    );
  }
  return fifo ? mangled + FIFO_SUFFIX : mangled;
}

export function isFifoName(sqsName: string): boolean {
  return sqsName.endsWith(FIFO_SUFFIX);
}

/** The dead-letter queue of an SQS queue: "<name><suffix>", still ".fifo" for a FIFO queue (SQS requires the same type). */
export function deadLetterQueueName(sqsName: string, suffix: string): string {
  const fifo = isFifoName(sqsName);
  const base = fifo ? sqsName.slice(0, -FIFO_SUFFIX.length) : sqsName;
  const name = base + suffix;
  if (!SQS_NAME.test(name)) {
    throw new ConfigurationError(
      `The dead-letter queue name "${name}" is not a valid SQS name (at most 80 of [A-Za-z0-9_-]); shorten the queue name or deadLetter.queueSuffix.`,
    );
  }
  return fifo ? name + FIFO_SUFFIX : name;
}
