import type { Command } from 'commander';
import { ConfigurationError, createBackendFromUrl, type ResultBackend } from '@tq/core';
import { importAdapterFor } from './adapters.js';
import { loadApp } from './load-app.js';

export interface BackendFlags {
  app?: string;
  resultBackend?: string;
  backend?: string;
}

/**
 * The result backend a command works on. Precedence: --result-backend (alias --backend), then the
 * app's own backend (with --app), then TQ_RESULT_BACKEND. The caller closes it.
 */
export async function openResultBackend(flags: BackendFlags, env: NodeJS.ProcessEnv = process.env): Promise<ResultBackend> {
  const url = flags.resultBackend ?? flags.backend;
  if (url === undefined && flags.app !== undefined) {
    const app = await loadApp(flags.app);
    if (app.isConfigured('backend') && app.backend !== undefined) return app.backend;
  }
  const resolved = url ?? env.TQ_RESULT_BACKEND;
  if (resolved === undefined || resolved === '' || resolved === 'none') {
    throw new ConfigurationError('No result backend given: pass --result-backend postgres://user@host:5432/db, or --app with an app that has a backend, or set TQ_RESULT_BACKEND.');
  }
  await importAdapterFor('backend', resolved);
  return createBackendFromUrl(resolved);
}

/** The backend options every backend command shares. */
export function withBackendOptions(command: Command): Command {
  return command
    .option('--result-backend <url>', 'result backend URL (default: the app\'s, then TQ_RESULT_BACKEND)')
    .option('--backend <url>', 'same as --result-backend')
    .option('-A, --app <module>', 'module that exports the app, to use its result backend');
}
