import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The package that registers each URL scheme, for the CLI to import on demand. */
const PACKAGES: Record<'broker' | 'backend', Record<string, string>> = {
  broker: { redis: '@tq/broker-redis', rediss: '@tq/broker-redis', amqp: '@tq/broker-amqp', amqps: '@tq/broker-amqp', sqs: '@tq/broker-sqs' },
  backend: { redis: '@tq/backend-redis', rediss: '@tq/backend-redis', postgres: '@tq/backend-postgres', postgresql: '@tq/backend-postgres' },
};

/**
 * Import the adapter package for a URL's scheme from the user's project (resolved from `cwd`,
 * not from @tq/worker, so it works under pnpm's strict layout). Missing packages are left to
 * the registry's error, which names the package to install.
 */
export async function importAdapterFor(kind: 'broker' | 'backend', url: string | undefined, cwd = process.cwd()): Promise<void> {
  if (url === undefined) return;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const pkg = scheme === undefined ? undefined : PACKAGES[kind][scheme];
  if (pkg === undefined) return;
  let resolved: string;
  try {
    resolved = createRequire(`${cwd}/package.json`).resolve(pkg);
  } catch {
    return;
  }
  await import(pathToFileURL(resolved).href);
}
