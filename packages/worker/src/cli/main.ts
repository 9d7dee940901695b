import { createRequire } from 'node:module';
import { Command } from 'commander';
import { formatCliError, formatCommanderError } from './cli-error.js';
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
import { exporterCommand } from './commands/exporter-command.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('tq').description('tq: distributed task queue, Celery-compatible').version(version);
const commands = [workerCommand(version), callCommand(), purgeCommand(), migrateCommand(), resultsCommand(), beatCommand(), inspectCommand(), controlCommand(), statusCommand(), eventsCommand(), exporterCommand()];
// Commander's own errors (a bad option value, a missing option) speak in the same voice: "tq: error: …".
const outputFor = (name: string) => ({ outputError: (text: string, write: (text: string) => void) => write(formatCommanderError(text, name)) });
program.configureOutput(outputFor('tq'));
for (const command of commands) program.addCommand(command.configureOutput(outputFor(command.name())));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(formatCliError(error));
  process.exit(1);
});
