/** Adapter packages by URL scheme; the demo imports the one TQ_BROKER_URL / TQ_RESULT_BACKEND needs. */
const PACKAGES: Record<string, string> = {
  redis: 'redis',
  rediss: 'redis',
  amqp: 'amqp',
  amqps: 'amqp',
  sqs: 'sqs',
  postgres: 'postgres',
  postgresql: 'postgres',
};

export async function importAdapter(kind: 'broker' | 'backend', url: string | undefined): Promise<void> {
  if (url === undefined || url.startsWith('memory:')) return;
  const scheme = url.split(':')[0]!.toLowerCase();
  const suffix = PACKAGES[scheme];
  if (suffix === undefined) return; // the registry's error will name the problem
  const pkg = `@tq/${kind}-${suffix}`;
  try {
    await import(pkg);
  } catch (error) {
    throw new Error(`${url} needs ${pkg}: add it to apps/demo (pnpm --filter @tq/demo add ${pkg}@workspace:*).`, { cause: error });
  }
}
