import { PRIOR_RESERVATION_CTE, RELEASE_PRIOR_CTE } from '../../billing/budget-ledger.sql.js';

/**
 * THE guarded transition (DESIGN rule 4) for every status change made outside a runner's step
 * commit: `… WHERE status = ANY(allowed)`, so concurrent operations have exactly one winner and
 * terminal statuses never change. In the same statement: the log row, an optional appended user
 * message (input), and the status seen by the losers, for their 409.
 *
 * $1 id · $2 tenant (null = any: internal callers) · $3 user (null = any) · $4 allowed statuses
 * $5 new status · $6 metadata patch · $7 error · $8 lease epoch guard (null = any)
 * $9 log {level, event_type, message, context} · $10 user message content (null = none)
 * $11 only when no tool call awaits approval (input: it would land between a call and its result)
 */
export const TRANSITION_SQL = `
WITH ${PRIOR_RESERVATION_CTE}, upd AS (
  UPDATE agent_executions SET
    budget_reservation = NULL,
    status        = $5::text,
    updated_at    = now(),
    paused_at     = CASE WHEN $5::text = 'paused' THEN now() ELSE paused_at END,
    completed_at  = CASE WHEN $5::text IN ('completed', 'failed', 'cancelled') THEN now() ELSE completed_at END,
    lease_owner   = NULL,
    metadata      = metadata || $6::jsonb,
    error         = COALESCE($7::jsonb, error),
    awaiting_event = CASE WHEN $5::text = 'awaiting_event' THEN awaiting_event END,
    message_count = message_count + CASE WHEN $10::jsonb IS NULL THEN 0 ELSE 1 END
  WHERE id = $1
    AND ($2::text IS NULL OR tenant_id = $2)
    AND ($3::text IS NULL OR user_id = $3)
    AND status = ANY($4::text[])
    AND ($8::int IS NULL OR lease_epoch = $8)
    AND (NOT $11::boolean OR jsonb_typeof(metadata->'pending_approvals') IS DISTINCT FROM 'array'
         OR jsonb_array_length(metadata->'pending_approvals') = 0)
  RETURNING *
), msg AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT upd.id, upd.message_count, 'user', $10::jsonb FROM upd WHERE $10::jsonb IS NOT NULL
), log AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT upd.id, upd.step_count, $9::jsonb->>'level', $9::jsonb->>'event_type', $9::jsonb->>'message', COALESCE($9::jsonb->'context', '{}')
  FROM upd
  RETURNING id, step_number, level, event_type, message, context, created_at
), ${RELEASE_PRIOR_CTE}
SELECT (SELECT to_jsonb(upd) FROM upd) AS updated,
       (SELECT to_jsonb(log) FROM log) AS log,
       (SELECT status FROM agent_executions
         WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR user_id = $3)) AS current_status`;

/**
 * A request to a running execution, recorded only while it is still running (the runner sees it
 * at its next step commit even if the notification is lost).
 *
 * $1 id · $2 tenant · $3 user (null = any) · $4 signal type · $5 payload
 */
export const REQUEST_SIGNAL_SQL = `
WITH sig AS (
  INSERT INTO agent_signals (execution_id, signal_type, payload)
  SELECT id, $4::text, $5::jsonb FROM agent_executions
  WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR user_id = $3) AND status = 'running'
  RETURNING id
)
SELECT (SELECT id FROM sig) AS signal_id,
       (SELECT to_jsonb(e) FROM agent_executions e
         WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR user_id = $3)) AS execution`;
