import { Command } from 'commander';
import { ControlMailbox, repliesByHostname, requireFanout } from '@tq/core';
import { openControlBroker, type ControlConnectionFlags } from '../control/open-control-broker.js';
import { NO_REPLY_EXIT_CODE } from '../control/broadcast-and-print.js';
import { seconds } from '../parse.js';

/** `celery status`: which workers are online (they answered ping). */
export function statusCommand(): Command {
  return new Command('status')
    .description('list the workers online (tq and Celery), as celery status does')
    .option('-A, --app <module>', 'module that exports the app (only for its broker URL)')
    .option('-b, --broker <url>', 'broker URL (default: TQ_BROKER_URL)')
    .option('-t, --timeout <seconds>', 'how long to wait for replies after the last one', seconds, 1)
    .option('-j, --json', 'print { hostname: reply } as JSON')
    .action(async (flags: ControlConnectionFlags & { timeout: number; json?: boolean }) => {
      const { broker, close } = await openControlBroker(flags);
      const mailbox = new ControlMailbox(requireFanout(broker));
      try {
        const replies = repliesByHostname(await mailbox.call('ping', {}, { timeoutMs: flags.timeout * 1000 }));
        const hosts = Object.keys(replies).sort();
        if (flags.json === true) process.stdout.write(`${JSON.stringify(replies)}\n`);
        else for (const host of hosts) process.stdout.write(`${host}: OK\n`);
        if (hosts.length === 0) {
          process.stderr.write(`tq: error: no nodes replied within ${flags.timeout} s. Check that workers run on ${broker.displayUrl}, or raise --timeout.\n`);
          process.exitCode = NO_REPLY_EXIT_CODE;
          return;
        }
        if (flags.json !== true) process.stdout.write(`\n${hosts.length} node${hosts.length === 1 ? '' : 's'} online.\n`);
      } finally {
        await mailbox.close();
        await close();
      }
    });
}
