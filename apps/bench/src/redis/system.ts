/** One queue library under test, driven the same way by every scenario. */
export interface QueueSystem {
  readonly name: string;
  /** Enqueue `count` no-op jobs as fast as the library allows in bulk. */
  enqueueBulk(count: number): Promise<void>;
  /** Enqueue `count` jobs one call each, keeping `inFlight` calls outstanding. */
  enqueueConcurrent(count: number, inFlight: number): Promise<void>;
  /** Start a worker with `concurrency` on what was enqueued; resolve when `count` jobs completed. Returns seconds. */
  drain(count: number, concurrency: number): Promise<number>;
  /** Send `count` jobs at `ratePerSecond`, each awaited to its result; returns ms enqueue→start and enqueue→result. */
  latency(count: number, ratePerSecond: number, concurrency: number): Promise<{ toStart: number[]; toResult: number[] }>;
  close(): Promise<void>;
}

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export async function boundedWait<T>(promise: Promise<T>, what: string, timeoutMs = 180_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Send at a steady rate: call `send(i)` every 1000/rate ms, bounded by count. */
export async function atSteadyRate(count: number, ratePerSecond: number, send: (index: number) => Promise<void>): Promise<void> {
  const interval = 1_000 / ratePerSecond;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(index));
  }
  await Promise.all(pending);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
