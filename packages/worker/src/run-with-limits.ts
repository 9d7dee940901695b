import { SoftTimeLimitExceededError, TimeLimitExceededError } from '@tq/core';
import type { Abortable } from './lazy-abort.js';

export type RunOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface Limits {
  /** Seconds, or null. */
  hard: number | null;
  soft: number | null;
}

/**
 * Run `body` under Celery-style time limits. The soft limit aborts `controller` with
 * SoftTimeLimitExceededError so the task can clean up; the hard limit settles the run as failed
 * with TimeLimitExceededError. An async function cannot be killed in-process: past the hard limit
 * it is abandoned (its signal aborted), and its eventual result is ignored.
 */
export async function runWithLimits(body: () => unknown, controller: Abortable, limits: Limits): Promise<RunOutcome> {
  if (limits.hard === null && limits.soft === null) {
    // No timers and nothing to race: the common case, without their promises and closures.
    try {
      return { ok: true, value: await body() };
    } catch (error) {
      return { ok: false, error };
    }
  }
  const timers: NodeJS.Timeout[] = [];
  try {
    const run = Promise.resolve().then(body);
    if (limits.soft !== null) {
      const soft = limits.soft;
      timers.push(setTimeout(() => controller.abort(new SoftTimeLimitExceededError(soft)), soft * 1_000));
    }
    const racers: Promise<unknown>[] = [run];
    if (limits.hard !== null) {
      const hard = limits.hard;
      racers.push(
        new Promise((_, reject) => {
          timers.push(
            setTimeout(() => {
              const error = new TimeLimitExceededError(hard);
              controller.abort(error);
              reject(error);
            }, hard * 1_000),
          );
        }),
      );
    }
    run.catch(() => undefined); // an abandoned run must not surface as an unhandled rejection
    return { ok: true, value: await Promise.race(racers) };
  } catch (error) {
    return { ok: false, error };
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}
