import { createApp } from '@tq/core';
import { createMemoryBroker, createMemoryBackend } from '@tq/core/memory';
import { Worker } from '@tq/worker';
import { formatRate, median } from './stats.js';

export interface ThroughputResult {
  concurrency: number;
  tasks: number;
  enqueuePerSecond: number[];
  processPerSecond: number[];
}

/**
 * Per-task overhead of tq's own code: a no-op task through the memory broker and backend,
 * with STARTED and SUCCESS stored as a real deployment would. Tasks are enqueued first,
 * then one worker drains them; both phases are timed.
 */
async function runOnce(concurrency: number, tasks: number, run: number): Promise<{ enqueue: number; process: number }> {
  const namespace = `bench-${concurrency}-${run}-${process.pid}`;
  const app = createApp({ broker: createMemoryBroker({ namespace }), backend: createMemoryBackend({ namespace }) });
  const noop = app.task('bench.noop', () => null);

  const enqueueStart = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < tasks; i++) {
    pending.push(noop.delay());
    if (pending.length >= 1_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const enqueueSeconds = (performance.now() - enqueueStart) / 1_000;

  const worker = new Worker(app, { concurrency, logLevel: 'silent' });
  let done = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`timed out after ${done}/${tasks} tasks`)), 120_000);
    worker.on('task-succeeded', () => {
      if (++done === tasks) {
        clearTimeout(guard);
        resolve();
      }
    });
  });
  const processStart = performance.now();
  await worker.start();
  await finished;
  const processSeconds = (performance.now() - processStart) / 1_000;
  await worker.stop();
  await app.close();
  return { enqueue: tasks / enqueueSeconds, process: tasks / processSeconds };
}

export async function memoryThroughput(options: { concurrencies: number[]; tasks: number; runs: number }): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const concurrency of options.concurrencies) {
    const result: ThroughputResult = { concurrency, tasks: options.tasks, enqueuePerSecond: [], processPerSecond: [] };
    for (let run = 0; run < options.runs; run++) {
      const { enqueue, process: processed } = await runOnce(concurrency, options.tasks, run);
      result.enqueuePerSecond.push(enqueue);
      result.processPerSecond.push(processed);
      console.log(`  memory c=${concurrency} run ${run + 1}/${options.runs}: enqueue ${formatRate(enqueue)}, process ${formatRate(processed)}`);
    }
    results.push(result);
  }
  return results;
}

export function summarize(results: ThroughputResult[]): string {
  const lines = ['| concurrency | tasks/run | enqueue (median) | process no-op (median) | runs (process) |', '|---|---|---|---|---|'];
  for (const result of results) {
    lines.push(
      `| ${result.concurrency} | ${result.tasks} | ${formatRate(median(result.enqueuePerSecond))} | ${formatRate(median(result.processPerSecond))} | ${result.processPerSecond.map((value) => Math.round(value)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}
