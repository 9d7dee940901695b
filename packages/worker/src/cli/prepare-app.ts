import { ConfigurationError, createApp, type App } from '@tq/core';
import { importAdapterFor } from './adapters.js';
import { loadApp } from './load-app.js';

export interface ConnectionFlags {
  app?: string;
  broker?: string;
  backend?: string;
}

/**
 * Load the app and settle where it connects. Precedence: --broker/--backend flags, then the
 * app's own createApp options, then TQ_BROKER_URL / TQ_RESULT_BACKEND, then memory://.
 */
export async function prepareApp(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<App> {
  if (flags.app === undefined) return bareApp(flags, env);
  const app = await loadApp(flags.app);
  const broker = flags.broker ?? (app.isConfigured('broker') ? undefined : env.TQ_BROKER_URL);
  const backend = flags.backend ?? (app.isConfigured('backend') ? undefined : env.TQ_RESULT_BACKEND);
  if (broker !== undefined) app.configure({ broker });
  if (backend !== undefined) app.configure({ backend: backend === 'none' ? null : backend });
  await importAdapterFor('broker', broker);
  await importAdapterFor('backend', backend);
  return app;
}

/**
 * Without --app (sending by name): an app with no tasks of its own. The broker must be given, since
 * a memory:// broker in this process reaches no worker; no backend unless one is given.
 */
async function bareApp(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<App> {
  const broker = flags.broker ?? nonEmpty(env.TQ_BROKER_URL);
  if (broker === undefined) {
    throw new ConfigurationError('No broker to send to. Pass --broker redis://host:6379 (or amqp://…, sqs://…), set TQ_BROKER_URL, or --app with an app that names its broker.');
  }
  const backend = flags.backend ?? nonEmpty(env.TQ_RESULT_BACKEND);
  await importAdapterFor('broker', broker);
  await importAdapterFor('backend', backend);
  return createApp({ broker, backend: backend === undefined || backend === 'none' ? null : backend });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
