import { ConfigurationError, maskUrl } from '@tq/core';
import { Redis } from 'ioredis';
import type { RedisBackendOptions } from './redis-backend-options.js';

const DEFAULT_CONNECTION_NAME = 'tq-result-backend';

/** The command connection a backend uses, whether it owns it, and how to show where it points. */
export interface BackendConnection {
  readonly client: Redis;
  /** True when the backend created the client and so must close it. */
  readonly owned: boolean;
  readonly displayUrl: string;
  /** A new connection to the same server for pub/sub; always owned by the backend. */
  createSubscriber(): Redis;
}

export function openConnection(options: RedisBackendOptions): BackendConnection {
  const connectionName = options.connectionName ?? DEFAULT_CONNECTION_NAME;
  if (options.client !== undefined && options.url !== undefined) {
    throw new ConfigurationError('Pass either url or client to createRedisBackend, not both.');
  }
  if (options.client !== undefined) {
    const client = options.client;
    if (client.options.keyPrefix !== undefined && client.options.keyPrefix !== '') {
      throw new ConfigurationError(
        `The injected ioredis client has keyPrefix "${client.options.keyPrefix}"; ioredis prefixes keys but not pub/sub channels, so waitFor would never hear a result. ` +
          'Create the client without keyPrefix and pass keyPrefix to createRedisBackend instead.',
      );
    }
    return {
      client,
      owned: false,
      displayUrl: describeClient(client),
      createSubscriber: () => client.duplicate({ ...subscriberOptions, connectionName: `${connectionName}:subscriber` }),
    };
  }
  const url = validateUrl(options.url);
  // lazyConnect: connect() surfaces a wrong URL or a down server as one clear error instead of a background retry loop.
  // Auto-pipelining batches the many small writes of concurrent tasks into one socket write per tick.
  const client = new Redis(url, { lazyConnect: true, connectionName, enableAutoPipelining: true });
  // Every failure reaches the caller as a BackendError from the command or connect() that hit it;
  // without a listener ioredis would also print each reconnect attempt's error to stderr.
  client.on('error', () => undefined);
  return {
    client,
    owned: true,
    displayUrl: maskUrl(url),
    createSubscriber: () => client.duplicate({ ...subscriberOptions, connectionName: `${connectionName}:subscriber` }),
  };
}

/**
 * The subscriber re-subscribes itself after a reconnect (so it can re-read every awaited key once
 * the subscriptions are back), and its SUBSCRIBE commands wait out an outage instead of failing
 * after ioredis's default 20 retries: a waitFor is bounded by its own timeout, not by the connection.
 */
const subscriberOptions = { autoResubscribe: false, maxRetriesPerRequest: null, lazyConnect: false } as const;

function validateUrl(url: unknown): string {
  const example = 'redis://[:password@]host:6379/0 (rediss:// for TLS)';
  if (typeof url !== 'string' || url === '') {
    throw new ConfigurationError(`createRedisBackend needs a url such as ${example}, or an ioredis client.`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigurationError(`Invalid Redis result backend URL "${maskUrl(url)}": expected ${example}.`, { cause });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(`Invalid Redis result backend URL "${maskUrl(url)}": the scheme must be redis:// or rediss://, e.g. ${example}.`);
  }
  if (!/^\/?(\d+)?$/.test(parsed.pathname)) {
    throw new ConfigurationError(`Invalid Redis result backend URL "${maskUrl(url)}": the path must be a database number such as /0, e.g. ${example}.`);
  }
  return url;
}

function describeClient(client: Redis): string {
  const { host, port, db, tls } = client.options;
  const scheme = tls === undefined ? 'redis' : 'rediss';
  return `${scheme}://${host ?? '127.0.0.1'}:${port ?? 6379}/${db ?? 0}`;
}

/**
 * Quit a connection we own. One that is not ready (never connected, connecting, reconnecting) is
 * dropped at once: a QUIT would wait in the offline queue, forever on the subscriber, whose
 * commands never give up.
 */
export async function closeConnection(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
