import pg from 'pg';
import { ConfigurationError, maskUrl } from '@tq/core';
import type { EntryDefinition } from '../entry.js';
import { toStoreError } from '../errors.js';
import type { BeatStore, LeaseState } from '../store/beat-store.js';
import type { PostgresBeatStoreOptions } from './postgres-beat-store-options.js';
import { beatSql } from './sql.js';

// One lock id for "beat creates its tables" across every schema; creation is rare and short.
const CREATE_LOCK_ID = 7_349_201_118;

function openPool(options: PostgresBeatStoreOptions): { pool: pg.Pool; owned: boolean; displayUrl: string } {
  if (options.pool !== undefined) return { pool: options.pool, owned: false, displayUrl: 'the given pool' };
  const url = options.url ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new ConfigurationError(`Invalid Postgres URL "${maskUrl(url)}" for the beat store: expected postgres://user@host:5432/db.`);
  return { pool: new pg.Pool({ connectionString: url, max: 2, application_name: 'tq-beat', ...options.poolConfig }), owned: true, displayUrl: maskUrl(url) };
}

/** The beat store on Postgres: one lease row with a fencing token, last runs and runtime entries in tables of its own schema. */
export function createPostgresBeatStore(options: PostgresBeatStoreOptions = {}): BeatStore {
  const schema = options.schema ?? 'tq_beat';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigurationError(`Invalid beat schema name "${schema}": use lowercase letters, digits and underscores (at most 63), starting with a letter or underscore.`);
  }
  const { pool, owned, displayUrl } = openPool(options);
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  if (owned) pool.on('error', () => undefined);
  const sql = beatSql(schema);
  let ready: Promise<void> | undefined;

  const run = async <T>(doing: string, action: () => Promise<T>): Promise<T> => {
    try {
      await (ready ??= createTables());
      return await action();
    } catch (error) {
      if (doing === 'connect') ready = undefined;
      throw toStoreError(error, doing, `Postgres (${displayUrl}, schema ${schema})`);
    }
  };

  async function createTables(): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [CREATE_LOCK_ID]);
      try {
        for (const statement of sql.createTables) await client.query(statement);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [CREATE_LOCK_ID]);
      }
    } catch (error) {
      ready = undefined;
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    kind: 'postgres',
    connect: () => run('connect', () => Promise.resolve()),
    acquireLease: (holder, ttlMs) =>
      run('acquire the lease', async (): Promise<LeaseState> => {
        const taken = await pool.query<{ token: string }>(sql.acquire, [holder, Math.ceil(ttlMs)]);
        if (taken.rows[0] !== undefined) return { held: true, token: Number(taken.rows[0].token), expiresInMs: ttlMs, holder };
        const current = await pool.query<{ holder: string; token: string; expires_in_ms: string }>(sql.currentLease);
        const row = current.rows[0];
        return { held: false, token: Number(row?.token ?? 0), expiresInMs: Number(row?.expires_in_ms ?? 0), holder: row?.holder };
      }),
    releaseLease: (holder, token) => run('release the lease', async () => void (await pool.query(sql.release, [holder, token]))),
    claimTick: (entry, dueAt, token) =>
      run('claim a tick', async () => {
        const claimed = await pool.query(sql.claim, [entry, dueAt, token]);
        if (claimed.rowCount === 1) return 'claimed';
        const holds = await pool.query(sql.fenceHolds, [token]);
        return holds.rowCount === 1 ? 'duplicate' : 'fenced';
      }),
    lastRuns: (names) =>
      run('read last runs', async () => {
        const result = await pool.query<{ entry: string; due_at_ms: string }>(sql.lastRuns, [names]);
        return new Map(result.rows.map((row) => [row.entry, Number(row.due_at_ms)]));
      }),
    putEntry: (definition) => run('store an entry', async () => void (await pool.query(sql.putEntry, [definition.name, JSON.stringify(definition)]))),
    removeEntry: (name) => run('remove an entry', async () => ((await pool.query(sql.removeEntry, [name])).rowCount ?? 0) > 0),
    listEntries: () => run('list entries', async () => (await pool.query<{ definition: EntryDefinition }>(sql.listEntries)).rows.map((row) => row.definition)),
    close: async () => {
      if (owned) await pool.end();
    },
  };
}
