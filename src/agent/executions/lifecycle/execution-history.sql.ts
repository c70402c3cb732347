/**
 * The history's statements for executions that continue one (a conversation's turns): a turn's
 * opening, and its messages joining the shared history when it completed.
 */

/**
 * The new turn's user message, as its first message (so the agent does not add an opening one).
 * A turn queued behind an unfinished one is `scheduled` with no `scheduled_for` (no job; the
 * lease never takes it) and gets its message only when it is released: the history is read in
 * message id order, so a turn's messages must not be written before the answers of the turns
 * ahead of it.
 * $1 execution · $2 message (JSON) · $3 queued · $4 tenant
 */
export const OPEN_TURN_SQL = `
WITH msg AS (
  INSERT INTO agent_messages (execution_id, seq, role, content) SELECT $1, 1, 'user', $2::jsonb WHERE NOT $3::boolean
)
UPDATE agent_executions SET
  message_count = CASE WHEN $3::boolean THEN 0 ELSE 1 END,
  status = CASE WHEN $3::boolean THEN 'scheduled' ELSE status END
WHERE id = $1 AND tenant_id = $4
RETURNING id`;

/**
 * A completed turn's user message (seq 1) and its answer (its last assistant message) join the
 * history, tagged in place. $1 execution · $2 conversation
 */
export const JOIN_HISTORY_SQL = `
UPDATE agent_messages SET conversation_id = $2
WHERE execution_id = $1
  AND (seq = 1 OR seq = (SELECT max(seq) FROM agent_messages WHERE execution_id = $1 AND role = 'assistant'))`;
