/**
 * The statements of a parent's wake-up, run inside the settlement of a child's end (the child's
 * row is already locked there; these lock the parent).
 */

/** Serialises the children's wake-ups of one parent: whoever holds it sees the others' ends. $1 parent id */
export const LOCK_PARENT_SQL = `
SELECT id, status, step_count FROM agent_executions WHERE id = $1 FOR UPDATE`;

/** The children of one spawn (the parent's step that spawned them), in spawn order. $1 parent id · $2 spawn step */
export const SPAWN_CHILDREN_SQL = `
SELECT id, status, output, error, metadata FROM agent_executions
WHERE parent_execution_id = $1 AND (metadata->>'spawn_step')::int = $2
ORDER BY id`;

/** Children still running or waiting, whose parent ended. $1 parent id */
export const UNFINISHED_CHILDREN_SQL = `
SELECT id FROM agent_executions
WHERE parent_execution_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled')`;

/**
 * Wakes the parent: `awaiting_children` → `pending` (guarded), the children's results appended to
 * its history, the log row its status event carries.
 *
 * $1 parent id · $2 messages [{role, content}] · $3 log message · $4 log context
 */
export const WAKE_PARENT_SQL = `
WITH upd AS (
  UPDATE agent_executions SET
    status = 'pending', updated_at = now(), lease_owner = NULL,
    message_count = message_count + jsonb_array_length($2::jsonb)
  WHERE id = $1 AND status = 'awaiting_children'
  RETURNING *
), msgs AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT upd.id, upd.message_count - jsonb_array_length($2::jsonb) + m.ord, m.value->>'role', m.value->'content'
  FROM upd, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS m(value, ord)
), log AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT upd.id, upd.step_count, 'info', 'children_completed', $3::text, $4::jsonb || '{"status": "pending"}'::jsonb FROM upd
  RETURNING id, step_number, level, event_type, message, context, created_at
)
SELECT to_jsonb(upd) AS updated, (SELECT to_jsonb(log) FROM log) AS log FROM upd`;
