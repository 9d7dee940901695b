import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MigrationReport } from '@tq/core';
import type pg from 'pg';
import { sqlStateOf } from './errors.js';
import type { SchemaNames } from './schema-names.js';

/** One versioned SQL file of sql/: `NNN_description.sql`, applied in version order. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATION_FILE = /^(\d+)_([\w-]+)\.sql$/;
// From src/ (tests) and from dist/ (the published build) alike, sql/ is one level up.
const SQL_DIRECTORY = new URL('../sql/', import.meta.url);

let cached: readonly Migration[] | undefined;

/** The migrations shipped with this package, in version order. */
export function bundledMigrations(): readonly Migration[] {
  cached ??= readdirSync(fileURLToPath(SQL_DIRECTORY))
    .flatMap((file) => {
      const match = MIGRATION_FILE.exec(file);
      if (match === null) return [];
      return [{ version: Number(match[1]), name: file, sql: readFileSync(fileURLToPath(new URL(file, SQL_DIRECTORY)), 'utf8') }];
    })
    .sort((a, b) => a.version - b.version);
  return cached;
}

export function latestVersion(): number {
  return bundledMigrations().at(-1)?.version ?? 0;
}

/** The schema's migration version, or 0 when the schema or its migrations table does not exist yet. */
export async function currentVersion(pool: pg.Pool, names: SchemaNames): Promise<number> {
  try {
    const { rows } = await pool.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${names.migrations}`);
    return rows[0]?.version ?? 0;
  } catch (error) {
    // 3F000 no such schema, 42P01 no such table: nothing has been migrated yet.
    const code = sqlStateOf(error);
    if (code === '3F000' || code === '42P01') return 0;
    throw error;
  }
}

/**
 * Bring the schema up to date, in one transaction holding a transaction-level advisory lock keyed
 * by the schema name: processes starting together queue on the lock, and each one after the first
 * finds the work done. DDL is transactional in PostgreSQL, so a failed migration leaves nothing behind.
 */
export async function applyMigrations(pool: pg.Pool, names: SchemaNames): Promise<MigrationReport> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('tq-backend-postgres'), hashtext($1))`, [names.schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${names.quotedSchema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${names.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${names.migrations}`);
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    // Unqualified names in the SQL files land in the configured schema.
    await client.query(`SET LOCAL search_path TO ${names.quotedSchema}`);
    for (const migration of bundledMigrations()) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${names.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.name);
    }
    await client.query('COMMIT');
    return { applied, version: Math.max(0, ...done, ...bundledMigrations().map((migration) => migration.version)) };
  } catch (error) {
    failed = error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose connection broke (an error without a SQLSTATE) is discarded, not returned to the pool.
    client.release(failed instanceof Error && sqlStateOf(failed) === undefined ? failed : undefined);
  }
}
