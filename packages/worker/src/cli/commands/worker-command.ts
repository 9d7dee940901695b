import { Command, Option } from 'commander';
import { Worker } from '../../worker.js';
import { banner } from '../banner.js';
import { prepareApp } from '../prepare-app.js';
import { integer, list, positive } from '../parse.js';
import { autoscale, poolOptions, type PoolFlags } from '../pool-flags.js';
import { startEmbeddedBeat } from './beat-command.js';
import { loadMetrics } from '../load-metrics.js';

export function workerCommand(version: string): Command {
  return new Command('worker')
    .description('consume and run tasks')
    .requiredOption('-A, --app <module>', 'module that exports the app (.ts or .js), e.g. ./tasks.ts or ./tasks.ts:app')
    .option('-Q, --queues <names>', 'comma-separated queues to consume (default: the app default queue)', list)
    .option('-c, --concurrency <n>', 'tasks run at once (the number of members for --pool threads/processes)', positive, 10)
    .addOption(new Option('-P, --pool <kind>', 'where tasks run: async (this event loop; I/O tasks), threads (worker_threads; CPU tasks, hard limits that stop sync code), processes (child processes; own heap, crash isolation)').choices(['async', 'threads', 'processes']).default('async'))
    .option('--max-tasks-per-child <n>', 'threads/processes: replace a member after it ran n tasks', positive)
    .option('--max-memory-per-child <KiB>', 'threads/processes: replace a member whose memory passed this after a task (RSS for processes, heap + buffers for threads)', positive)
    .option('--autoscale <max,min>', 'threads/processes: grow to max members while tasks wait, shrink idle ones to min', autoscale)
    .option('--reject-on-worker-lost', 'acksLate tasks whose member died are requeued instead of failed (Celery task_reject_on_worker_lost)')
    .option('--prefetch <n>', 'unacked deliveries held (default: concurrency × 4)', integer)
    .option('-b, --broker <url>', 'broker URL (default: the app, then TQ_BROKER_URL, then memory://)')
    .option('--backend <url>', 'result backend URL or "none" (default: the app, then TQ_RESULT_BACKEND, then memory://)')
    .option('-n, --hostname <name>', 'worker name in results and logs')
    .option('-E, --events', 'send task events (Celery -E / worker_send_task_events), for tq events, celery events and Flower')
    .option('--without-heartbeat', 'send no worker-heartbeat events (monitors then show the worker offline)')
    .option('--without-control', 'answer no remote control (tq/celery inspect and control) and send no events')
    .option('--shutdown-timeout <ms>', 'warm shutdown waits this long for running tasks', integer, 30_000)
    .addOption(new Option('-l, --loglevel <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .option('--metrics-port <port>', 'serve Prometheus metrics on /metrics and health probes on /healthz, /readyz (needs prom-client)', integer)
    .option('--metrics-host <address>', 'address for --metrics-port', '0.0.0.0')
    .option('-B, --beat', 'also run the beat scheduler in this process (needs @tq/beat)')
    .option('--beat-store <url>', 'beat store for --beat: redis://…, postgres://… or memory:// (default: TQ_BEAT_STORE, then the app beat\'s store)')
    .option('--beat-schedule <file>', 'JSON schedule file for --beat')
    .action(async (flags: { app: string; queues?: string[]; concurrency: number; prefetch?: number; broker?: string; backend?: string; hostname?: string; shutdownTimeout: number; loglevel: 'info'; events?: boolean; withoutHeartbeat?: boolean; withoutControl?: boolean; beat?: boolean; beatStore?: string; beatSchedule?: string; metricsPort?: number; metricsHost: string } & PoolFlags) => {
      const app = await prepareApp(flags);
      const worker = new Worker(app, {
        queues: flags.queues,
        concurrency: flags.concurrency,
        prefetch: flags.prefetch,
        hostname: flags.hostname,
        shutdownTimeout: flags.shutdownTimeout,
        logLevel: flags.loglevel,
        events: flags.events === true,
        heartbeat: flags.withoutHeartbeat !== true,
        control: flags.withoutControl !== true,
        ...poolOptions(flags),
      });
      process.stderr.write(`${banner(worker, version, flags.events === true && flags.withoutControl !== true)}\n`);
      const metrics = flags.metricsPort === undefined ? undefined : await (await loadMetrics('--metrics-port')).serveWorkerMetrics(worker, { port: flags.metricsPort, host: flags.metricsHost });
      if (metrics !== undefined) process.stderr.write(`metrics: ${metrics.server.url}/metrics (probes: /healthz, /readyz)\n`);
      const beat = flags.beat === true ? await startEmbeddedBeat(app, { app: flags.app, store: flags.beatStore, schedule: flags.beatSchedule }) : undefined;
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals === 1) {
          process.stderr.write(`\n${signal}: warm shutdown (finishing running tasks; ${signal} again for cold shutdown)\n`);
          void Promise.resolve(beat?.stop()).then(() => worker.stop()).then(() => metrics?.close()).then(() => app.close()).then(() => process.exit(0));
        } else {
          process.stderr.write(`\n${signal}: cold shutdown\n`);
          void worker.stop({ cold: true, timeoutMs: 0 }).finally(() => process.exit(1));
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await worker.start();
    });
}
