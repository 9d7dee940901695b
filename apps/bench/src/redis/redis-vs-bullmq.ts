import { formatRate, median } from '../stats.js';
import { bullmqSystem } from './bullmq-system.js';
import { percentile, type QueueSystem } from './system.js';
import { tqSystem } from './tq-system.js';

interface Options {
  runs: number;
  tasks: number;
  concurrencies: number[];
  latencyCount: number;
  latencyRate: number;
}

type Row = Record<string, number[]>;

/**
 * tq and BullMQ on the same Redis in one process, alternating which goes first each run so
 * neither always gets the warmer server. Each measurement uses fresh keys, deleted afterwards.
 */
export async function redisVsBullmq(options: Options): Promise<string> {
  const results: Record<'tq' | 'BullMQ', Row> = { tq: {}, BullMQ: {} };
  const record = (system: string, metric: string, value: number): void => {
    const row = results[system as 'tq' | 'BullMQ'];
    (row[metric] ??= []).push(value);
    console.log(`  ${system.padEnd(6)} ${metric.padEnd(28)} ${value.toFixed(1)}`);
  };

  for (let run = 0; run < options.runs; run++) {
    const factories = [tqSystem, bullmqSystem];
    if (run % 2 === 1) factories.reverse();
    for (const create of factories) {
      const tag = `${process.pid}-${run}`;
      await measure(create(`${tag}-bulk`), async (system) => {
        const started = performance.now();
        await system.enqueueBulk(options.tasks);
        record(system.name, 'bulk enqueue /s', options.tasks / ((performance.now() - started) / 1_000));
      });
      await measure(create(`${tag}-single`), async (system) => {
        const started = performance.now();
        await system.enqueueConcurrent(options.tasks, 100);
        record(system.name, 'enqueue, 100 in flight /s', options.tasks / ((performance.now() - started) / 1_000));
      });
      for (const concurrency of options.concurrencies) {
        const count = concurrency === 1 ? Math.min(options.tasks, 5_000) : options.tasks;
        await measure(create(`${tag}-c${concurrency}`), async (system) => {
          await system.enqueueBulk(count);
          record(system.name, `process c=${concurrency} /s`, count / (await system.drain(count, concurrency)));
        });
      }
      await measure(create(`${tag}-latency`), async (system) => {
        const { toStart, toResult } = await system.latency(options.latencyCount, options.latencyRate, 10);
        record(system.name, 'latency →start p50 ms', percentile(toStart, 50));
        record(system.name, 'latency →start p99 ms', percentile(toStart, 99));
        record(system.name, 'latency →result p50 ms', percentile(toResult, 50));
        record(system.name, 'latency →result p99 ms', percentile(toResult, 99));
      });
    }
  }
  return table(results);
}

async function measure(system: QueueSystem, body: (system: QueueSystem) => Promise<void>): Promise<void> {
  try {
    await body(system);
  } finally {
    await system.close();
  }
}

function table(results: Record<'tq' | 'BullMQ', Row>): string {
  const lines = ['| metric | tq (median) | BullMQ (median) | tq / BullMQ | tq runs | BullMQ runs |', '|---|---|---|---|---|---|'];
  for (const metric of Object.keys(results.tq)) {
    const ours = median(results.tq[metric]!);
    const theirs = median(results.BullMQ[metric] ?? [Number.NaN]);
    const isRate = metric.endsWith('/s');
    const show = (value: number): string => (isRate ? formatRate(value) : `${value.toFixed(1)} ms`);
    const ratio = isRate ? ours / theirs : theirs / ours; // > 1 means tq is better either way
    const runs = (values: number[] | undefined): string => (values ?? []).map((value) => (isRate ? Math.round(value) : value.toFixed(1))).join(', ');
    lines.push(`| ${metric} | ${show(ours)} | ${show(theirs)} | ${ratio.toFixed(2)}× ${isRate ? '' : '(lower is better; BullMQ/tq)'} | ${runs(results.tq[metric])} | ${runs(results.BullMQ[metric])} |`);
  }
  return lines.join('\n');
}
