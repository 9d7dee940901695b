import { ConfigurationError, createBrokerFromUrl, type Broker } from '@tq/core';
import { importAdapterFor } from '../adapters.js';
import { prepareApp } from '../prepare-app.js';

export interface ControlConnectionFlags {
  app?: string;
  broker?: string;
}

/** The broker the fleet listens on: --broker, else the app's (-A), else TQ_BROKER_URL. No app is needed to talk to workers. */
export async function openControlBroker(flags: ControlConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<{ broker: Broker; close(): Promise<void> }> {
  if (flags.app !== undefined) {
    const app = await prepareApp({ app: flags.app, broker: flags.broker, backend: 'none' }, env);
    return { broker: app.broker, close: () => app.close() };
  }
  const url = flags.broker ?? env.TQ_BROKER_URL;
  if (url === undefined) {
    throw new ConfigurationError('No broker to reach the workers on: pass --broker <url> (e.g. redis://127.0.0.1:6379/0), set TQ_BROKER_URL, or pass -A <app module>.');
  }
  await importAdapterFor('broker', url);
  const broker = createBrokerFromUrl(url);
  return { broker, close: () => broker.close() };
}
