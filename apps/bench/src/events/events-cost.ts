import { randomUUID } from 'node:crypto';
import { createApp } from '@tq/core';
import { createRedisBackend } from '@tq/backend-redis';
import { createRedisBroker } from '@tq/broker-redis';
import { Worker } from '@tq/worker';
import { deleteKeys } from '../redis/redis-cleanup.js';
import { REDIS_URL, boundedWait } from '../redis/system.js';
import { median } from '../stats.js';

export interface EventsCostOptions {
  tasks: number;
  runs: number;
  concurrency: number;
}

type Mode = 'control off' | 'events off' | 'events on';

/**
 * What remote control and events cost a worker: drain the same no-op backlog on Redis with
 * remote control off, with it on but task events off (the default: heartbeats only), and with task
 * events on (-E: four events per task). Modes alternate within each round, so machine noise falls
 * on all three alike; the table gives every run and the medians.
 */
export async function eventsCost(options: EventsCostOptions): Promise<string> {
  const modes: Mode[] = ['control off', 'events off', 'events on'];
  const rates: Record<Mode, number[]> = { 'control off': [], 'events off': [], 'events on': [] };
  for (let round = 0; round < options.runs; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const rate = await drainOnce(mode, options);
      rates[mode].push(rate);
      process.stderr.write(`round ${round + 1} ${mode}: ${Math.round(rate)} tasks/s\n`);
    }
  }
  const base = median(rates['control off']);
  const lines = [
    `| mode | runs (tasks/s) | median | vs control off |`,
    `|---|---|---|---|`,
    ...modes.map((mode) => `| ${mode} | ${rates[mode].map((rate) => Math.round(rate)).join(', ')} | ${Math.round(median(rates[mode]))} | ${(median(rates[mode]) / base).toFixed(3)} |`),
  ];
  return `${lines.join('\n')}\n\n${options.tasks} no-op tasks per run, concurrency ${options.concurrency}, Redis broker and backend, ${options.runs} rounds.\n`;
}

async function drainOnce(mode: Mode, options: EventsCostOptions): Promise<number> {
  const keyPrefix = `bench-events-${randomUUID().slice(0, 8)}:`;
  const app = createApp({ broker: createRedisBroker({ url: REDIS_URL, keyPrefix }), backend: createRedisBackend({ url: REDIS_URL, keyPrefix }), defaultQueue: 'bench' });
  const noop = app.task('bench.noop', () => null);
  try {
    for (let offset = 0; offset < options.tasks; offset += 1_000) {
      await Promise.all(Array.from({ length: Math.min(1_000, options.tasks - offset) }, () => noop.delay()));
    }
    const worker = new Worker(app, { concurrency: options.concurrency, logLevel: 'silent', control: mode !== 'control off', events: mode === 'events on' });
    let done = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    worker.on('task-succeeded', () => {
      if (++done === options.tasks) finish();
    });
    const started = performance.now();
    await worker.start();
    await boundedWait(finished, `events-cost ${mode}`);
    const seconds = (performance.now() - started) / 1_000;
    await worker.stop();
    return options.tasks / seconds;
  } finally {
    await app.close();
    await deleteKeys(`${keyPrefix}*`);
  }
}
