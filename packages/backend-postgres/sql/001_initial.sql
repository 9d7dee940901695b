-- tq result backend, schema version 1.
-- Applied by @tq/backend-postgres (automatically on first use, or by `tq migrate`) inside one
-- transaction holding an advisory lock, with search_path set to the configured schema, so the
-- names below are created in that schema. Every table and index is documented in the README.

-- One row per task: its latest state, as the backend contract's TaskMeta.
CREATE TABLE task_results (
  task_id       text        PRIMARY KEY,
  status        text        NOT NULL,
  -- The return value on SUCCESS, the serialized error ({exc_type, exc_message, exc_module}) on
  -- FAILURE/RETRY/REVOKED, progress meta on custom states; kombu JSON.
  result        jsonb,
  -- The error again, as plain columns to query on (NULL unless the result is a serialized error).
  error_type    text,
  error_message text,
  error_module  text,
  traceback     text,
  children      jsonb       NOT NULL DEFAULT '[]',
  -- Extended fields (Celery's result_extended); NULL when never given.
  name          text,
  args          jsonb,
  kwargs        jsonb,
  worker        text,
  retries       integer,
  queue         text,
  group_id      text,
  parent_id     text,
  date_done     timestamptz,
  stored_at     timestamptz NOT NULL DEFAULT now(),
  -- NULL keeps the row forever (resultExpiresMs: Infinity).
  expires_at    timestamptz
);

-- Cleanup walks expired rows in expiry order, a batch at a time.
CREATE INDEX task_results_expires_at ON task_results (expires_at) WHERE expires_at IS NOT NULL;
-- Result history (`tq results`): newest first, optionally by state or by task name.
CREATE INDEX task_results_stored_at ON task_results (stored_at DESC);
CREATE INDEX task_results_status_stored_at ON task_results (status, stored_at DESC);
CREATE INDEX task_results_name_stored_at ON task_results (name, stored_at DESC) WHERE name IS NOT NULL;
-- The members of a group, e.g. for a dashboard.
CREATE INDEX task_results_group_id ON task_results (group_id) WHERE group_id IS NOT NULL;

-- Saved groups (saveGroup/restoreGroup): member task ids in order.
CREATE TABLE task_groups (
  group_id   text        PRIMARY KEY,
  task_ids   text[]      NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX task_groups_expires_at ON task_groups (expires_at) WHERE expires_at IS NOT NULL;

-- Chord counters: the size fixed by the first join, and the member whose join completed the group.
CREATE TABLE chord_counters (
  group_id     text        PRIMARY KEY,
  size         integer     NOT NULL CHECK (size > 0),
  completed_by text,
  expires_at   timestamptz
);
CREATE INDEX chord_counters_expires_at ON chord_counters (expires_at) WHERE expires_at IS NOT NULL;

-- The members counted into each chord; the primary key is what deduplicates redeliveries.
CREATE TABLE chord_members (
  group_id  text NOT NULL REFERENCES chord_counters (group_id) ON DELETE CASCADE,
  member_id text NOT NULL,
  PRIMARY KEY (group_id, member_id)
);

-- Count one member into a chord, atomically: the upsert locks the counter row, so joins of one
-- group run one after another, and each statement after it sees every earlier join (READ COMMITTED
-- takes a fresh snapshot per statement). Returns the distinct count and whether this member is
-- the one that completed the group; size_mismatch carries the stored size when it differs.
CREATE FUNCTION chord_join(p_group_id text, p_member_id text, p_size integer, p_expires_at timestamptz,
                           OUT member_count integer, OUT completed boolean, OUT size_mismatch integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  v_size integer;
  v_completed_by text;
BEGIN
  INSERT INTO chord_counters AS c (group_id, size, expires_at) VALUES (p_group_id, p_size, p_expires_at)
  ON CONFLICT (group_id) DO UPDATE SET expires_at = EXCLUDED.expires_at
  RETURNING c.size, c.completed_by INTO v_size, v_completed_by;
  IF v_size <> p_size THEN
    size_mismatch := v_size;
    RETURN;
  END IF;
  INSERT INTO chord_members (group_id, member_id) VALUES (p_group_id, p_member_id) ON CONFLICT DO NOTHING;
  SELECT count(*) INTO member_count FROM chord_members WHERE group_id = p_group_id;
  IF v_completed_by IS NULL AND member_count >= v_size THEN
    UPDATE chord_counters SET completed_by = p_member_id WHERE group_id = p_group_id;
    v_completed_by := p_member_id;
  END IF;
  completed := v_completed_by = p_member_id;
END
$$;

-- Wake waitFor: a ready state (however it was written, psql included) is announced on the
-- channel 'tq_ready:<schema>' with the task id as payload, delivered when the transaction commits.
CREATE FUNCTION notify_ready() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tq_ready:' || TG_TABLE_SCHEMA, NEW.task_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER task_results_notify_ready
  AFTER INSERT OR UPDATE ON task_results
  FOR EACH ROW WHEN (NEW.status IN ('SUCCESS', 'FAILURE', 'REVOKED'))
  EXECUTE FUNCTION notify_ready();
