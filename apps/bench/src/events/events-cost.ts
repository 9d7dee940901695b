import { Worker } from '@tq/worker';
import { drainNoopBacklog } from '../redis/drain-noop-backlog.js';
import { alternateModes } from '../alternating-modes.js';

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
  const table = await alternateModes<Mode>(['control off', 'events off', 'events on'], options.runs, (mode) => drainOnce(mode, options));
  return `${table}\n\n${options.tasks} no-op tasks per run, concurrency ${options.concurrency}, Redis broker and backend, ${options.runs} rounds.\n`;
}

function drainOnce(mode: Mode, options: EventsCostOptions): Promise<number> {
  return drainNoopBacklog({
    tasks: options.tasks,
    label: `events-cost ${mode}`,
    worker: (app) => new Worker(app, { concurrency: options.concurrency, logLevel: 'silent', control: mode !== 'control off', events: mode === 'events on' }),
  });
}
