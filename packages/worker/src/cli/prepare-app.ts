import type { App } from '@tq/core';
import { importAdapterFor } from './adapters.js';
import { loadApp } from './load-app.js';

export interface ConnectionFlags {
  app: string;
  broker?: string;
  backend?: string;
}

/**
 * Load the app and settle where it connects. Precedence: --broker/--backend flags, then the
 * app's own createApp options, then TQ_BROKER_URL / TQ_RESULT_BACKEND, then memory://.
 */
export async function prepareApp(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<App> {
  const app = await loadApp(flags.app);
  const broker = flags.broker ?? (app.isConfigured('broker') ? undefined : env.TQ_BROKER_URL);
  const backend = flags.backend ?? (app.isConfigured('backend') ? undefined : env.TQ_RESULT_BACKEND);
  if (broker !== undefined) app.configure({ broker });
  if (backend !== undefined) app.configure({ backend: backend === 'none' ? null : backend });
  await importAdapterFor('broker', broker);
  await importAdapterFor('backend', backend);
  return app;
}
