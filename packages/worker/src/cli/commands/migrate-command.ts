import { Command } from 'commander';
import { type BackendFlags, openResultBackend, withBackendOptions } from '../open-backend.js';

export function migrateCommand(): Command {
  return withBackendOptions(new Command('migrate').description('create or update the result backend\'s schema (PostgreSQL); safe to run from several places at once')).action(
    async (flags: BackendFlags) => {
      const backend = await openResultBackend(flags);
      try {
        if (backend.migrate === undefined) {
          process.stdout.write(`The ${backend.name} result backend at ${backend.displayUrl} keeps no schema: nothing to migrate.\n`);
          return;
        }
        const { applied, version } = await backend.migrate();
        process.stdout.write(
          applied.length === 0
            ? `${backend.displayUrl}: schema up to date (version ${version}).\n`
            : `${backend.displayUrl}: applied ${applied.join(', ')} (now at version ${version}).\n`,
        );
      } finally {
        await backend.close();
      }
    },
  );
}
