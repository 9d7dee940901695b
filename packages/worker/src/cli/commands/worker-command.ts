import { Command, Option } from 'commander';
import { Worker } from '../../worker.js';
import { banner } from '../banner.js';
import { prepareApp } from '../prepare-app.js';
import { integer, list } from '../parse.js';

export function workerCommand(version: string): Command {
  return new Command('worker')
    .description('consume and run tasks')
    .requiredOption('-A, --app <module>', 'module that exports the app (.ts or .js), e.g. ./tasks.ts or ./tasks.ts:app')
    .option('-Q, --queues <names>', 'comma-separated queues to consume (default: the app default queue)', list)
    .option('-c, --concurrency <n>', 'tasks run at once', integer, 10)
    .option('--prefetch <n>', 'unacked deliveries held (default: concurrency × 4)', integer)
    .option('-b, --broker <url>', 'broker URL (default: the app, then TQ_BROKER_URL, then memory://)')
    .option('--backend <url>', 'result backend URL or "none" (default: the app, then TQ_RESULT_BACKEND, then memory://)')
    .option('-n, --hostname <name>', 'worker name in results and logs')
    .option('--shutdown-timeout <ms>', 'warm shutdown waits this long for running tasks', integer, 30_000)
    .addOption(new Option('-l, --loglevel <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .action(async (flags: { app: string; queues?: string[]; concurrency: number; prefetch?: number; broker?: string; backend?: string; hostname?: string; shutdownTimeout: number; loglevel: 'info' }) => {
      const app = await prepareApp(flags);
      const worker = new Worker(app, {
        queues: flags.queues,
        concurrency: flags.concurrency,
        prefetch: flags.prefetch,
        hostname: flags.hostname,
        shutdownTimeout: flags.shutdownTimeout,
        logLevel: flags.loglevel,
      });
      process.stderr.write(`${banner(worker, version)}\n`);
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals === 1) {
          process.stderr.write(`\n${signal}: warm shutdown (finishing running tasks; ${signal} again for cold shutdown)\n`);
          void worker.stop().then(() => app.close()).then(() => process.exit(0));
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
