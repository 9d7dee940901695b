import { createHash } from 'node:crypto';
import type { SchemaNames } from './schema-names.js';

/**
 * A named statement: pg prepares it once per connection and PostgreSQL can reuse its plan, which
 * saves the parse and plan of a long upsert on every write. The name derives from the text, so
 * backends on other schemas sharing one pool never collide.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

function named(text: string): NamedStatement {
  return { name: `tq_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text };
}

/** The extended columns (each named as its TaskMeta field), which a partial update carries over from the stored row. */
export const EXTENDED_COLUMNS = ['name', 'args', 'kwargs', 'worker', 'retries', 'queue', 'group_id', 'parent_id'] as const;
const EXPIRED = (alias: string): string => `(${alias}.expires_at IS NOT NULL AND ${alias}.expires_at <= now())`;
const LIVE = '(expires_at IS NULL OR expires_at > now())';
// $n milliseconds from now, or NULL (no expiry) when the parameter is NULL.
const expiresAt = (parameter: string): string => `now() + ${parameter}::double precision * interval '1 millisecond'`;

/** The columns of a TaskMeta read, with JSON as text (decoded by kombu JSON) and dates as ISO-8601 UTC. */
export const META_COLUMNS = `task_id, status, result::text AS result, traceback, children::text AS children, name, args::text AS args,
  kwargs::text AS kwargs, worker, retries, queue, group_id, parent_id,
  to_char(date_done AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS date_done,
  to_char(stored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stored_at`;

export interface Statements {
  /** Upsert states (one per task id) unless SUCCESS is stored and live; returns the task ids written. */
  readonly storeStates: NamedStatement;
  /** The same for `complete` updates: nothing is carried over from the stored rows. */
  readonly storeCompleteStates: NamedStatement;
  readonly getMany: NamedStatement;
  readonly forget: NamedStatement;
  readonly saveGroup: NamedStatement;
  readonly restoreGroup: NamedStatement;
  readonly forgetGroup: NamedStatement;
  readonly chordJoin: NamedStatement;
  /** Delete up to $1 expired rows of one table, oldest expiry first. */
  readonly cleanup: Readonly<Record<'results' | 'groups' | 'chords', NamedStatement>>;
}

export function statements(names: SchemaNames): Statements {
  // Many rows in one statement: one array parameter per column, unnested into rows.
  const upsert = (complete: boolean): string => {
    const carried = EXTENDED_COLUMNS.map((column) =>
      complete ? `${column} = EXCLUDED.${column}` : `${column} = CASE WHEN ${EXPIRED('t')} THEN EXCLUDED.${column} ELSE COALESCE(EXCLUDED.${column}, t.${column}) END`,
    );
    return `INSERT INTO ${names.results} AS t (task_id, status, result, error_type, error_message, error_module, traceback, children,
        name, args, kwargs, worker, retries, queue, group_id, parent_id, date_done, stored_at, expires_at)
      SELECT u.task_id, u.status, u.result::jsonb, u.error_type, u.error_message, u.error_module, u.traceback, u.children::jsonb,
        u.name, u.args::jsonb, u.kwargs::jsonb, u.worker, u.retries, u.queue, u.group_id, u.parent_id,
        CASE WHEN u.ready THEN now() END, now(), ${expiresAt('$18')}
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
        $11::text[], $12::text[], $13::integer[], $14::text[], $15::text[], $16::text[], $17::boolean[])
        AS u(task_id, status, result, error_type, error_message, error_module, traceback, children, name, args, kwargs, worker, retries,
          queue, group_id, parent_id, ready)
      ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status, result = EXCLUDED.result, error_type = EXCLUDED.error_type,
        error_message = EXCLUDED.error_message, error_module = EXCLUDED.error_module, traceback = EXCLUDED.traceback,
        children = EXCLUDED.children, ${carried.join(', ')}, date_done = EXCLUDED.date_done, stored_at = EXCLUDED.stored_at,
        expires_at = EXCLUDED.expires_at
      WHERE t.status <> 'SUCCESS' OR ${EXPIRED('t')}
      RETURNING t.task_id`;
  };
  const cleanup = (table: string): NamedStatement =>
    named(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
     )) AND expires_at <= now()`);
  return {
    storeStates: named(upsert(false)),
    storeCompleteStates: named(upsert(true)),
    getMany: named(`SELECT ${META_COLUMNS} FROM ${names.results} WHERE task_id = ANY($1::text[]) AND ${LIVE}`),
    forget: named(`DELETE FROM ${names.results} WHERE task_id = $1`),
    saveGroup: named(`INSERT INTO ${names.groups} (group_id, task_ids, expires_at) VALUES ($1, $2::text[], ${expiresAt('$3')})
      ON CONFLICT (group_id) DO UPDATE SET task_ids = EXCLUDED.task_ids, stored_at = now(), expires_at = EXCLUDED.expires_at`),
    restoreGroup: named(`SELECT task_ids FROM ${names.groups} WHERE group_id = $1 AND ${LIVE}`),
    forgetGroup: named(`DELETE FROM ${names.groups} WHERE group_id = $1`),
    chordJoin: named(`SELECT member_count, completed, size_mismatch FROM ${names.chordJoin}($1, $2, $3, ${expiresAt('$4')})`),
    cleanup: { results: cleanup(names.results), groups: cleanup(names.groups), chords: cleanup(names.chordCounters) },
  };
}

/** True for a stored row that has not expired; for WHERE clauses built elsewhere. */
export const LIVE_ROW = LIVE;
