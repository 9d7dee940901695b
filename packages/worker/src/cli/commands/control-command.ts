import { Command } from 'commander';
import { CONTROL_METHODS } from '../control/command-arguments.js';
import { broadcastAndPrint, type BroadcastFlags } from '../control/broadcast-and-print.js';
import { withRemoteControlOptions } from './inspect-command.js';

export function controlCommand(): Command {
  return withRemoteControlOptions(
    new Command('control')
      .description(`steer running workers (tq or Celery): ${Object.keys(CONTROL_METHODS).join(', ')}`)
      .argument('<method>', 'the control command, e.g. rate_limit')
      .argument('[args...]', 'its arguments, e.g. tasks.add 10/m'),
  )
    .option('--backend <url>', 'revoke, terminate: also store the revoke in this result backend (default: the app\'s, then TQ_RESULT_BACKEND), so workers started later skip the tasks')
    .action(async (method: string, words: string[], flags: BroadcastFlags) => {
    process.exitCode = await broadcastAndPrint('control', method, words, flags);
  });
}
