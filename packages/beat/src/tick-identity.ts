import { createHash } from 'node:crypto';

/**
 * The task id of a tick: a name-based (version 5 style) UUID of the entry name and due time, so
 * whichever beat process sends a tick, and however often it is attempted, it carries the same id.
 * Consumers can deduplicate on it; the store fences on (entry, due time).
 */
export function tickTaskId(entry: string, dueAt: number): string {
  const hash = createHash('sha1').update(`tq-beat\u0000${entry}\u0000${new Date(dueAt).toISOString()}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Headers every tick carries (tq_ prefix: unknown headers travel untouched through Celery). */
export function tickHeaders(entry: string, dueAt: number, sentAt: number, fence: number): Record<string, string | number> {
  return {
    tq_beat_entry: entry,
    tq_beat_due_at: new Date(dueAt).toISOString(),
    tq_beat_sent_at: new Date(sentAt).toISOString(),
    tq_beat_fence: fence,
  };
}
