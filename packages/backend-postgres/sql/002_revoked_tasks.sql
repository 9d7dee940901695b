-- tq result backend, schema version 2: durable revokes.
-- A revoked task id is kept until its revoke expires, so a worker started after the revoke (or one
-- that missed the broadcast) still skips the task. Workers read the live rows at start and every
-- few seconds; writers sweep expired rows.
CREATE TABLE revoked_tasks (
  task_id    text        PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tasks_expires_at ON revoked_tasks (expires_at);
