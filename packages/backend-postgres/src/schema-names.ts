import { ConfigurationError } from '@tq/core';
import pg from 'pg';

// NOTIFY channels are identifiers of at most 63 bytes, and ours is 'tq_ready:' + the schema name.
const MAX_SCHEMA_LENGTH = 50;

/** The configured schema and every object of ours in it, quoted for use in SQL text. */
export interface SchemaNames {
  readonly schema: string;
  readonly quotedSchema: string;
  readonly migrations: string;
  readonly results: string;
  readonly groups: string;
  readonly chordCounters: string;
  readonly chordJoin: string;
  readonly revokedTasks: string;
  /** The channel the notify_ready trigger announces ready states on (unquoted, as notifications name it). */
  readonly readyChannel: string;
}

export function schemaNames(schema = 'tq'): SchemaNames {
  if (typeof schema !== 'string' || schema === '' || schema.length > MAX_SCHEMA_LENGTH || schema.includes('\0')) {
    throw new ConfigurationError(`Invalid schema ${JSON.stringify(schema)}: expected a non-empty name of at most ${MAX_SCHEMA_LENGTH} characters.`);
  }
  const quotedSchema = pg.escapeIdentifier(schema);
  const qualified = (name: string): string => `${quotedSchema}.${pg.escapeIdentifier(name)}`;
  return {
    schema,
    quotedSchema,
    migrations: qualified('tq_migrations'),
    results: qualified('task_results'),
    groups: qualified('task_groups'),
    chordCounters: qualified('chord_counters'),
    chordJoin: qualified('chord_join'),
    revokedTasks: qualified('revoked_tasks'),
    readyChannel: `tq_ready:${schema}`,
  };
}
