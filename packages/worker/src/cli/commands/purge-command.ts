import { Command } from 'commander';
import { prepareApp } from '../prepare-app.js';

export function purgeCommand(): Command {
  return new Command('purge')
    .description('delete every waiting (ready and delayed) message of the queues')
    .argument('[queues...]', 'queue names (default: the app default queue)')
    .requiredOption('-A, --app <module>', 'module that exports the app')
    .option('-b, --broker <url>', 'broker URL')
    .action(async (queues: string[], flags: { app: string; broker?: string }) => {
      const app = await prepareApp({ ...flags, backend: 'none' });
      try {
        for (const queue of queues.length > 0 ? queues : [app.defaultQueue]) {
          const removed = await app.broker.purge(queue);
          process.stdout.write(`Purged ${removed} message${removed === 1 ? '' : 's'} from ${queue}.\n`);
        }
      } finally {
        await app.close();
      }
    });
}
