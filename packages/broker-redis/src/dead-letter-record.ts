import type { DeadLetter, DeadLetterReason } from '@tq/core';
import { decodeEnvelope, rawEntryMessage } from './kombu-envelope.js';

/**
 * A dead-letter record as dead-letter.lua stores it: `{ queue, reason, deadAt }` as JSON, a newline,
 * then the kombu envelope exactly as it sat in the queue.
 */
export function parseDeadLetter(record: string, queue: string): DeadLetter {
  const newline = record.indexOf('\n');
  const headerText = newline === -1 ? record : record.slice(0, newline);
  const raw = newline === -1 ? '' : record.slice(newline + 1);
  let header: { queue?: unknown; reason?: Partial<DeadLetterReason>; deadAt?: unknown } = {};
  try {
    header = JSON.parse(headerText) as typeof header;
  } catch {
    // Keep the message even when its record header is unreadable.
  }
  let message;
  try {
    // No list to go by: the envelope's own kombu priority says which level it had.
    message = decodeEnvelope(raw, undefined).message;
  } catch {
    // Dead-lettered because it was not an envelope: hand back the bytes as they were.
    message = rawEntryMessage(raw);
  }
  return {
    message,
    queue: typeof header.queue === 'string' ? header.queue : queue,
    reason: { code: String(header.reason?.code ?? 'unknown'), message: String(header.reason?.message ?? '') },
    deadAt: typeof header.deadAt === 'number' ? header.deadAt : 0,
  };
}
