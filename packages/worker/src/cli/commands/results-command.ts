import { Command, InvalidArgumentError } from 'commander';
import { type ResultRecord, UnsupportedError, toMilliseconds, type Duration } from '@tq/core';
import { integer, list } from '../parse.js';
import { type BackendFlags, openResultBackend, withBackendOptions } from '../open-backend.js';

interface ResultsFlags extends BackendFlags {
  state?: string[];
  name?: string;
  since?: Date;
  until?: Date;
  limit: number;
  json?: boolean;
}

/** "1h", "30m", "2d" (that long ago) or an ISO-8601 date. */
function instant(value: string): Date {
  if (/^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/.test(value)) return new Date(Date.now() - toMilliseconds(value as Duration));
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError(`expected a duration ago such as 1h, 30m, 2d, or an ISO date, got "${value}".`);
  return parsed;
}

/** One line per result: when, state, task, id, and the value or error, cut to fit a terminal. */
function formatRecord(record: ResultRecord): string {
  const error = record.result as { exc_type?: unknown; exc_message?: unknown } | null;
  const outcome =
    typeof error?.exc_type === 'string' ? `${error.exc_type}: ${Array.isArray(error.exc_message) ? error.exc_message.join(', ') : String(error.exc_message)}` : JSON.stringify(record.result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  const text = outcome ?? '';
  return [record.stored_at, record.status.padEnd(8), (record.name ?? '-').padEnd(24), record.task_id, text.length > 60 ? `${text.slice(0, 57)}...` : text].join('  ');
}

export function resultsCommand(): Command {
  return withBackendOptions(new Command('results').description('list recent results, newest first, by state, task name and time (backends with history: PostgreSQL)'))
    .option('-s, --state <states>', 'only these states, comma-separated (e.g. FAILURE,RETRY)', list)
    .option('-n, --name <task>', 'only this task name')
    .option('--since <when>', 'stored at or after: a duration ago (1h, 30m, 2d) or an ISO date', instant)
    .option('--until <when>', 'stored before: a duration ago or an ISO date', instant)
    .option('-l, --limit <n>', 'at most this many', integer, 50)
    .option('--json', 'print one JSON object per line')
    .action(async (flags: ResultsFlags) => {
      const backend = await openResultBackend(flags);
      try {
        if (backend.listResults === undefined || backend.capabilities.history !== true) {
          throw new UnsupportedError(`The ${backend.name} result backend at ${backend.displayUrl} cannot list results; use a backend with history, such as postgres://.`);
        }
        const records = await backend.listResults({ status: flags.state, name: flags.name, since: flags.since, until: flags.until, limit: flags.limit });
        if (flags.json === true) {
          for (const record of records) process.stdout.write(`${JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
          return;
        }
        if (records.length === 0) {
          process.stdout.write('No results match.\n');
          return;
        }
        for (const record of records) process.stdout.write(`${formatRecord(record)}\n`);
      } finally {
        await backend.close();
      }
    });
}
