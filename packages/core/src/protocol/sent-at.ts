import type { TaskInvocation } from './task-invocation.js';

/**
 * When the producer sent the call, in epoch seconds (a float, as Python's time.time()). Protocol v2
 * has no such field; a Celery worker keeps unknown headers on task.request and ignores them. The
 * worker measures a task's queue wait from it: started − max(sent, eta), so a retry or a countdown
 * counts from when it became due.
 */
export const SENT_AT_HEADER = 'tq_sent_at';

/** Epoch ms the call became due (sent or eta, whichever is later), or undefined when the producer did not stamp it (e.g. Python Celery). */
export function dueSince(invocation: TaskInvocation): number | undefined {
  const sent = invocation.extraHeaders[SENT_AT_HEADER];
  if (typeof sent !== 'number' || !Number.isFinite(sent)) return undefined;
  const sentMs = sent * 1_000;
  return invocation.eta !== null && invocation.eta > sentMs ? invocation.eta : sentMs;
}
