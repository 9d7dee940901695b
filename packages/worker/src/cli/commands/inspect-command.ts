import { Command } from 'commander';
import { list, seconds } from '../parse.js';
import { INSPECT_METHODS } from '../control/command-arguments.js';
import { broadcastAndPrint, type BroadcastFlags } from '../control/broadcast-and-print.js';

/** Options every remote-control command takes, as Celery's. */
export function withRemoteControlOptions(command: Command): Command {
  return command
    .option('-A, --app <module>', 'module that exports the app (only for its broker URL)')
    .option('-b, --broker <url>', 'broker URL (default: TQ_BROKER_URL)')
    .option('-d, --destination <names>', 'comma-separated worker names, e.g. tq@host1,celery@host2', list)
    .option('-t, --timeout <seconds>', 'how long to wait for replies after the last one', seconds, 1)
    .option('-j, --json', 'print the replies as one JSON object');
}

export function inspectCommand(): Command {
  return withRemoteControlOptions(
    new Command('inspect')
      .description(`ask running workers (tq or Celery) what they are doing: ${Object.keys(INSPECT_METHODS).join(', ')}`)
      .argument('<method>', 'the inspect command, e.g. active')
      .argument('[args...]', 'its arguments, e.g. task ids for query_task'),
  ).action(async (method: string, words: string[], flags: BroadcastFlags) => {
    process.exitCode = await broadcastAndPrint('inspect', method, words, flags);
  });
}
