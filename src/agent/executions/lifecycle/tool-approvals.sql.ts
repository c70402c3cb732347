/**
 * A decision on one pending tool call, exactly once: the guarded update takes the call out of
 * `metadata.pending_approvals` only while the execution is `awaiting_input` with that call still in
 * the list, so of two decisions at once one wins and the other finds no row. In the same statement:
 * the decision joins the history as a tool message, its log row is written, and the last decision
 * of the wait moves the execution to `pending` (its job follows the commit).
 *
 * NOTE: `decided` reads the call from the statement's snapshot, for the log only: a concurrent
 * decision of another call leaves it there, and one of the same call makes `upd` find no row.
 *
 * $1 id · $2 tenant (null = any) · $3 user (null = any) · $4 approval id · $5 tool message content
 * $6 approved · $7 reason (null = none) · $8 the log's event type
 */
export const DECIDE_TOOL_APPROVAL_SQL = `
WITH decided AS (
  SELECT a AS approval FROM agent_executions e, jsonb_array_elements(
    CASE WHEN jsonb_typeof(e.metadata->'pending_approvals') = 'array' THEN e.metadata->'pending_approvals' ELSE '[]'::jsonb END) a
  WHERE e.id = $1 AND a->>'approval_id' = $4::text
  LIMIT 1
), upd AS (
  UPDATE agent_executions e SET
    metadata = jsonb_set(e.metadata, '{pending_approvals}', COALESCE(
      (SELECT jsonb_agg(a ORDER BY n) FROM jsonb_array_elements(e.metadata->'pending_approvals') WITH ORDINALITY AS p(a, n)
        WHERE a->>'approval_id' <> $4::text), '[]'::jsonb)),
    status        = CASE WHEN jsonb_array_length(e.metadata->'pending_approvals') = 1 THEN 'pending' ELSE e.status END,
    message_count = e.message_count + 1,
    updated_at    = now()
  WHERE e.id = $1
    AND ($2::text IS NULL OR e.tenant_id = $2)
    AND ($3::text IS NULL OR e.user_id = $3)
    AND e.status = 'awaiting_input'
    AND jsonb_typeof(e.metadata->'pending_approvals') = 'array'
    AND e.metadata->'pending_approvals' @> jsonb_build_array(jsonb_build_object('approval_id', $4::text))
  RETURNING e.*
), msg AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT upd.id, upd.message_count, 'tool', $5::jsonb FROM upd
), log AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT upd.id, upd.step_count, 'info', $8::text,
         'Tool ' || COALESCE(decided.approval->>'tool_name', '?') || CASE WHEN $6::boolean THEN ' approved' ELSE ' denied' END,
         jsonb_strip_nulls(jsonb_build_object(
           'approvalId', $4::text,
           'toolCallId', decided.approval->>'tool_call_id',
           'toolName', decided.approval->>'tool_name',
           'approved', $6::boolean,
           'reason', $7::text,
           -- A log's status is replayed as a status change: only the decision that ended the wait has one.
           'status', CASE WHEN upd.status = 'pending' THEN upd.status END))
  FROM upd LEFT JOIN decided ON true
  RETURNING id, step_number, level, event_type, message, context, created_at
)
SELECT (SELECT to_jsonb(upd) FROM upd) AS updated,
       (SELECT to_jsonb(log) FROM log) AS log`;

/**
 * Why a decision found nothing to decide: the execution as the caller may see it (null: not found),
 * and whether that approval was ever requested in its history (404 when not, 409 when decided or
 * no longer awaited).
 *
 * $1 id · $2 tenant (null = any) · $3 user (null = any) · $4 approval id
 */
export const APPROVAL_REQUESTED_SQL = `
SELECT e.status,
       EXISTS (SELECT 1 FROM agent_messages m
                WHERE m.execution_id = e.id AND m.role = 'assistant' AND jsonb_typeof(m.content) = 'array'
                  AND m.content @> jsonb_build_array(jsonb_build_object('type', 'tool-approval-request', 'approvalId', $4::text))
       ) AS requested
FROM agent_executions e
WHERE e.id = $1 AND ($2::text IS NULL OR e.tenant_id = $2) AND ($3::text IS NULL OR e.user_id = $3)`;
