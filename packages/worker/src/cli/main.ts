import { createRequire } from 'node:module';
import { Command } from 'commander';
import { TqError } from '@tq/core';
import { workerCommand } from './commands/worker-command.js';
import { callCommand } from './commands/call-command.js';
import { purgeCommand } from './commands/purge-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { resultsCommand } from './commands/results-command.js';
import { beatCommand } from './commands/beat-command.js';
import { inspectCommand } from './commands/inspect-command.js';
import { controlCommand } from './commands/control-command.js';
import { statusCommand } from './commands/status-command.js';
import { eventsCommand } from './commands/events-command.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('tq').description('tq: distributed task queue, Celery-compatible').version(version);
program.addCommand(workerCommand(version)).addCommand(callCommand()).addCommand(purgeCommand()).addCommand(migrateCommand()).addCommand(resultsCommand()).addCommand(beatCommand());
program.addCommand(inspectCommand()).addCommand(controlCommand()).addCommand(statusCommand()).addCommand(eventsCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  // Typed errors already name the fix; print them plainly, without a stack.
  const message = TqError.isInstance(error) ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`tq: ${message}\n`);
  process.exit(1);
});
