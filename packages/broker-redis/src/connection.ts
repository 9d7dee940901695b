import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigurationError, maskUrl } from '@tq/core';
import type { RedisBrokerOptions } from './redis-broker-options.js';
import { readUrlParams } from './url-params.js';

export const DEFAULT_URL = 'redis://127.0.0.1:6379/0';

export interface Connections {
  /** Commands, scripts and publishes; auto-pipelined so acks and publishes of one tick share a round trip. */
  readonly client: Redis;
  /** Whether the broker created `client` (and so quits it on close). */
  readonly ownsClient: boolean;
  readonly displayUrl: string;
  /** A new connection for one blocking wait. */
  readonly connectBlocking: () => Redis;
}

export function openConnections(options: RedisBrokerOptions, connectTimeoutMs: number): Connections {
  // Named so CLIENT LIST shows whose connections these are (and tests can kill them).
  const nameBase = `tq:${processLabel(options.consumerIdPrefix)}`;
  const blockingOverrides: RedisOptions = {
    connectionName: `${nameBase}:wait`,
    enableAutoPipelining: false,
    // The blocked BLMOVE is re-sent after a reconnect (ioredis would otherwise drop it without
    // settling its promise: a silent stall), and it waits through outages instead of failing.
    autoResendUnfulfilledCommands: true,
    maxRetriesPerRequest: null,
    lazyConnect: false,
  };
  if (options.client !== undefined) {
    const client = options.client;
    const { host, port, db } = client.options;
    return {
      client,
      ownsClient: false,
      displayUrl: `redis://${host ?? '127.0.0.1'}:${port ?? 6379}/${db ?? 0}`,
      connectBlocking: () => client.duplicate(blockingOverrides),
    };
  }
  const given = options.url ?? DEFAULT_URL;
  const url = readUrlParams(given).url;
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(`Invalid Redis URL "${maskUrl(url)}": the scheme must be redis:// or rediss:// (TLS).`);
  }
  const commandOptions: RedisOptions = {
    lazyConnect: true,
    enableAutoPipelining: true,
    connectionName: `${nameBase}:commands`,
    // One socket attempt never outlasts the broker's connect timeout (a black-holed host).
    connectTimeout: connectTimeoutMs,
    ...options.redisOptions,
  };
  // ioredis turns rediss:// into TLS by itself; the options only add to it.
  const client = new Redis(url, commandOptions);
  return {
    client,
    ownsClient: true,
    displayUrl: maskUrl(given),
    connectBlocking: () => new Redis(url, { ...commandOptions, ...blockingOverrides }),
  };
}

/** Unique per consumer: the member of the queues' lease sets and the suffix of its in-flight keys. */
export function newConsumerId(prefix: string | undefined): string {
  return `${processLabel(prefix)}:${randomBytes(6).toString('hex')}`;
}

function processLabel(prefix: string | undefined): string {
  return prefix ?? `${hostname()}:${process.pid}`;
}
