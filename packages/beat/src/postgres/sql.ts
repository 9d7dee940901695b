/** The store's SQL, for a schema name already checked to be a plain identifier. */
export function beatSql(schema: string) {
  const s = `"${schema}"`;
  return {
    // Concurrent beats may all connect at once: the advisory lock makes creation run one at a time.
    createTables: [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE IF NOT EXISTS ${s}.lease (id smallint PRIMARY KEY CHECK (id = 1), holder text NOT NULL, token bigint NOT NULL, expires_at timestamptz NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${s}.last_run (entry text PRIMARY KEY, due_at_ms bigint NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${s}.entries (name text PRIMARY KEY, definition jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
    // Renew if we hold it; take it (with the next token) if it is free or expired; else no row.
    // The database's clock decides expiry, so the beats' clocks need not agree.
    acquire: `
      INSERT INTO ${s}.lease AS l (id, holder, token, expires_at)
      VALUES (1, $1, 1, clock_timestamp() + $2 * interval '1 millisecond')
      ON CONFLICT (id) DO UPDATE SET
        token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp() THEN l.token ELSE l.token + 1 END,
        holder = EXCLUDED.holder,
        expires_at = EXCLUDED.expires_at
      WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
      RETURNING token`,
    currentLease: `
      SELECT holder, token, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000))::bigint AS expires_in_ms
      FROM ${s}.lease WHERE id = 1`,
    release: `UPDATE ${s}.lease SET expires_at = clock_timestamp() WHERE id = 1 AND holder = $1 AND token = $2`,
    // FOR SHARE on the lease row: a takeover (which updates the row) waits for an in-flight claim
    // to commit, and a claim after the takeover sees the new token. No row back: not claimed.
    claim: `
      WITH fence AS (SELECT 1 FROM ${s}.lease WHERE id = 1 AND token = $3 AND expires_at > clock_timestamp() FOR SHARE)
      INSERT INTO ${s}.last_run AS r (entry, due_at_ms) SELECT $1, $2 FROM fence
      ON CONFLICT (entry) DO UPDATE SET due_at_ms = EXCLUDED.due_at_ms WHERE r.due_at_ms < EXCLUDED.due_at_ms
      RETURNING 1`,
    fenceHolds: `SELECT 1 FROM ${s}.lease WHERE id = 1 AND token = $1 AND expires_at > clock_timestamp()`,
    lastRuns: `SELECT entry, due_at_ms FROM ${s}.last_run WHERE entry = ANY($1::text[])`,
    putEntry: `
      INSERT INTO ${s}.entries (name, definition) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()`,
    removeEntry: `DELETE FROM ${s}.entries WHERE name = $1`,
    listEntries: `SELECT definition FROM ${s}.entries ORDER BY name`,
  };
}
