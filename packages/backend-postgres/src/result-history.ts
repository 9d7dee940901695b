import { ConfigurationError, type ResultQuery } from '@tq/core';
import { LIVE_ROW, META_COLUMNS } from './statements.js';

const DEFAULT_LIMIT = 50;
/** listResults returns at most this many rows, whatever the query asks. */
export const MAX_HISTORY_LIMIT = 10_000;

/**
 * The SELECT for a history query, newest first. Only the filters given become conditions, so the
 * planner sees exactly what it can use: (status, stored_at), (name, stored_at) or stored_at alone.
 */
export function historyQuery(table: string, query: ResultQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions = [LIVE_ROW];
  const parameter = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (query.status !== undefined) {
    const statuses = typeof query.status === 'string' ? [query.status] : [...query.status];
    if (statuses.length === 0 || statuses.some((status) => typeof status !== 'string' || status === '')) {
      throw new ConfigurationError(`Invalid status filter ${JSON.stringify(query.status)}: expected a state name such as "FAILURE", or a non-empty list of them.`);
    }
    conditions.push(`status = ANY(${parameter(statuses)}::text[])`);
  }
  if (query.name !== undefined) conditions.push(`name = ${parameter(query.name)}`);
  if (query.since !== undefined) conditions.push(`stored_at >= ${parameter(validDate(query.since, 'since'))}::timestamptz`);
  if (query.until !== undefined) conditions.push(`stored_at < ${parameter(validDate(query.until, 'until'))}::timestamptz`);
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigurationError(`Invalid limit ${limit}: expected a positive whole number.`);
  const text = `SELECT ${META_COLUMNS} FROM ${table} WHERE ${conditions.join(' AND ')} ORDER BY stored_at DESC LIMIT ${parameter(Math.min(limit, MAX_HISTORY_LIMIT))}`;
  return { text, values };
}

function validDate(value: unknown, what: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ConfigurationError(`Invalid ${what} ${String(value)}: expected a valid Date.`);
  return value.toISOString();
}
