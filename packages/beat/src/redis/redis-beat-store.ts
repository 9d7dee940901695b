import { Redis } from 'ioredis';
import { ConfigurationError, maskUrl } from '@tq/core';
import type { EntryDefinition } from '../entry.js';
import { toStoreError } from '../errors.js';
import type { BeatStore, ClaimResult, LeaseState } from '../store/beat-store.js';
import { ACQUIRE_LEASE, CLAIM_TICK, RELEASE_LEASE } from './lua.js';
import type { RedisBeatStoreOptions } from './redis-beat-store-options.js';

interface BeatCommands {
  tqBeatAcquire(lease: string, fence: string, holder: string, ttlMs: number): Promise<[number, number, number, string | null]>;
  tqBeatRelease(lease: string, holder: string, token: number): Promise<number>;
  tqBeatClaim(lease: string, lastRun: string, token: number, entry: string, dueAt: number): Promise<ClaimResult>;
}

function openClient(options: RedisBeatStoreOptions): { client: Redis; owned: boolean; displayUrl: string } {
  if (options.client !== undefined) {
    const { host, port, db } = options.client.options;
    return { client: options.client, owned: false, displayUrl: `redis://${host ?? '127.0.0.1'}:${port ?? 6379}/${db ?? 0}` };
  }
  const url = options.url ?? 'redis://127.0.0.1:6379/0';
  if (!/^rediss?:\/\//i.test(url)) throw new ConfigurationError(`Invalid Redis URL "${maskUrl(url)}" for the beat store: expected redis://host:port/db or rediss://….`);
  const client = new Redis(url, { lazyConnect: true, connectionName: 'tq:beat', ...options.redisOptions });
  // Failures reach the caller through the command that failed; ioredis reconnects by itself.
  client.on('error', () => undefined);
  return { client, owned: true, displayUrl: maskUrl(url) };
}

/** A stored entry that is not JSON comes back as one that fails validation, so only it is ignored (entry-invalid). */
function parseEntry(name: string, json: string): EntryDefinition {
  try {
    return JSON.parse(json) as EntryDefinition;
  } catch {
    return { name, notJson: json } as unknown as EntryDefinition;
  }
}

/** The beat store on Redis: lease with fencing token and tick claims in Lua, entries and last runs in hashes. */
export function createRedisBeatStore(options: RedisBeatStoreOptions = {}): BeatStore {
  const { client, owned, displayUrl } = openClient(options);
  const prefix = options.keyPrefix ?? 'tq:beat:';
  const keys = { lease: `${prefix}lease`, fence: `${prefix}fence`, lastRun: `${prefix}last-run`, entries: `${prefix}entries` };
  // defineCommand sends EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a restart.
  client.defineCommand('tqBeatAcquire', { numberOfKeys: 2, lua: ACQUIRE_LEASE });
  client.defineCommand('tqBeatRelease', { numberOfKeys: 1, lua: RELEASE_LEASE });
  client.defineCommand('tqBeatClaim', { numberOfKeys: 2, lua: CLAIM_TICK });
  const commands = client as unknown as BeatCommands;

  const run = async <T>(doing: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw toStoreError(error, doing, `Redis (${displayUrl})`);
    }
  };

  return {
    kind: 'redis',
    connect: () => run('connect', async () => {
      if (owned && client.status === 'wait') await client.connect();
    }),
    acquireLease: (holder, ttlMs) =>
      run('acquire the lease', async (): Promise<LeaseState> => {
        const [held, token, pttl, current] = await commands.tqBeatAcquire(keys.lease, keys.fence, holder, Math.ceil(ttlMs));
        return { held: held === 1, token: Number(token), expiresInMs: Math.max(0, Number(pttl)), holder: current ?? undefined };
      }),
    releaseLease: (holder, token) => run('release the lease', async () => void (await commands.tqBeatRelease(keys.lease, holder, token))),
    claimTick: (entry, dueAt, token) => run('claim a tick', () => commands.tqBeatClaim(keys.lease, keys.lastRun, token, entry, dueAt)),
    lastRuns: (names) =>
      run('read last runs', async () => {
        const found = new Map<string, number>();
        if (names.length === 0) return found;
        const values = await client.hmget(keys.lastRun, ...names);
        names.forEach((name, index) => {
          const value = values[index];
          if (value !== null && value !== undefined) found.set(name, Number(value));
        });
        return found;
      }),
    putEntry: (definition) => run('store an entry', async () => void (await client.hset(keys.entries, definition.name, JSON.stringify(definition)))),
    removeEntry: (name) => run('remove an entry', async () => (await client.hdel(keys.entries, name)) > 0),
    listEntries: () => run('list entries', async () => Object.entries(await client.hgetall(keys.entries)).map(([name, json]) => parseEntry(name, json))),
    close: async () => {
      if (owned) await client.quit().catch(() => client.disconnect());
    },
  };
}
