export interface WaitUntilOptions {
  /** Pause between checks, in ms. @default 5 */
  intervalMs?: number;
  /** Named in the timeout error, e.g. "the message to be redelivered". */
  description?: string;
}

/**
 * Resolve as soon as `predicate` holds; reject once `timeoutMs` has passed without it. The tests'
 * only way to wait for something asynchronous: bounded, and as fast as the thing waited for.
 * Runs on real time, so it does not mix with fake timers.
 */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  options: WaitUntilOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.description ?? 'a condition'}.`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Wait for a fixed, short time. Only for proving that something does *not* happen (no extra
 * delivery, no early resolution), where there is no event to wait for.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
