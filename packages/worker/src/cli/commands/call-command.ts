import { Command } from 'commander';
import { ConfigurationError } from '@tq/core';
import { prepareApp } from '../prepare-app.js';
import { integer, json } from '../parse.js';

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function callCommand(): Command {
  return new Command('call')
    .description('send a task by name and print its id (or its result with --wait)')
    .argument('<task>', 'task name, e.g. tasks.add')
    .option('-A, --app <module>', 'module that exports the app (optional: tasks are sent by name)')
    .option('-a, --args <json>', 'positional arguments as a JSON array', json('a JSON array', isArray), [])
    .option('-k, --kwargs <json>', 'keyword arguments as a JSON object', json('a JSON object', isObject))
    .option('--countdown <ms>', 'run no earlier than this many ms from now', integer)
    .option('--expires <ms>', 'revoke if not started within this many ms', integer)
    .option('--priority <n>', 'priority 0..255', integer)
    .option('-Q, --queue <name>', 'queue to send to')
    .option('-w, --wait', 'wait for the result and print it')
    .option('--timeout <ms>', 'with --wait: give up after this many ms', integer, 60_000)
    .option('-b, --broker <url>', 'broker URL (default: the app\'s, then TQ_BROKER_URL)')
    .option('--backend <url>', 'result backend URL or "none", needed by --wait (default: the app\'s, then TQ_RESULT_BACKEND)')
    .action(async (name: string, flags: { app?: string; args: unknown[]; kwargs?: Record<string, unknown>; countdown?: number; expires?: number; priority?: number; queue?: string; wait?: boolean; timeout: number; broker?: string; backend?: string }) => {
      const app = await prepareApp(flags);
      try {
        // Checked before sending: a call published only to fail at reading its result would still run.
        if (flags.wait === true && app.backend === undefined) {
          throw new ConfigurationError('--wait needs a result backend to read the result from, and there is none. Pass --backend redis://host:6379/1 or set TQ_RESULT_BACKEND; nothing was sent.');
        }
        const result = await app.sendTask(name, flags.args, { kwargs: flags.kwargs, countdown: flags.countdown, expires: flags.expires, priority: flags.priority, queue: flags.queue });
        if (flags.wait !== true) {
          process.stdout.write(`${result.id}\n`);
          return;
        }
        const value = await result.get({ timeout: flags.timeout });
        process.stdout.write(`${JSON.stringify(value)}\n`);
      } finally {
        await app.close();
      }
    });
}
