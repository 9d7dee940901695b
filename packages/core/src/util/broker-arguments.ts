import type { ConsumeOptions } from '../contracts/broker.js';
import { ConfigurationError } from '../errors/errors.js';

/**
 * Argument checks every broker adapter makes at its boundary, in one place so each adapter
 * rejects the same bad input with the same message naming the fix.
 */

export function validateQueueName(queue: unknown): string {
  if (typeof queue !== 'string' || queue === '') {
    throw new ConfigurationError(`Invalid queue name ${JSON.stringify(queue)}: expected a non-empty string such as "celery".`);
  }
  return queue;
}

/** The queues (validated, duplicates dropped: a queue listed twice would get twice the turns) and the prefetch. */
export function validateConsumeArguments(queues: readonly string[], options: ConsumeOptions): { queues: string[]; prefetch: number } {
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new ConfigurationError('consume() needs at least one queue name, e.g. ["celery"].');
  }
  const prefetch = options.prefetch;
  if (!Number.isInteger(prefetch) || prefetch < 1) {
    throw new ConfigurationError(`Invalid prefetch ${prefetch}: expected a positive integer.`);
  }
  return { queues: [...new Set(queues.map(validateQueueName))], prefetch };
}

/** The `limit` of `deadLetters(queue, { limit })`: the contract's default of 100, or a checked non-negative integer. */
export function deadLetterLimit(options: { limit?: number }): number {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 0) throw new ConfigurationError(`Invalid limit ${limit}: expected a non-negative integer.`);
  return limit;
}
