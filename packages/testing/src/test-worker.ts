import { TimeoutError, type App, type QueueStats } from '@tq/core';
import { Worker, type WorkerOptions } from '@tq/worker';
import { sleep } from './wait-until.js';

export interface TestWorker {
  readonly worker: Worker;
  /**
   * Resolves once every queue the worker consumes is empty (nothing ready, delayed or in flight)
   * and the worker is idle — seen twice in a row, so a retry published in between is not missed.
   */
  drained(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Start an in-process, silent worker for tests: `const w = await startTestWorker(app); …; await w.drained();`. */
export async function startTestWorker(app: App, options: WorkerOptions = {}): Promise<TestWorker> {
  const worker = new Worker(app, { logLevel: 'silent', shutdownTimeout: 1_000, ...options });
  await worker.start();

  const outstanding = async (): Promise<QueueStats[]> => Promise.all(worker.queues.map((queue) => app.broker.stats(queue)));
  const isQuiet = async (): Promise<boolean> => {
    if (worker.stats.active > 0 || worker.stats.buffered > 0) return false;
    return (await outstanding()).every((stats) => stats.ready === 0 && stats.delayed === 0 && stats.inFlight === 0);
  };

  return {
    worker,
    async drained({ timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let quietChecks = 0;
      for (;;) {
        quietChecks = (await isQuiet()) ? quietChecks + 1 : 0;
        if (quietChecks >= 2) return;
        if (Date.now() > deadline) {
          const stats = await outstanding();
          throw new TimeoutError(`Worker not drained after ${timeoutMs} ms: active ${worker.stats.active}, queues ${JSON.stringify(Object.fromEntries(worker.queues.map((queue, index) => [queue, stats[index]])))}.`);
        }
        await sleep(5);
      }
    },
    stop: () => worker.stop(),
  };
}
