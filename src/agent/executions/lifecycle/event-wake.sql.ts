/**
 * Waking executions that wait for an event, in the statement that decides who wakes: each
 * `woke` CTE below picks rows with `UPDATE … WHERE status = 'awaiting_event' AND awaiting_event
 * = type`, so of two racing triggers exactly one wakes each execution. The tail delivers the
 * event into the history (a user message `{ event, payload }`) and logs it, in the same statement.
 */
const WAKE_SET = `status = 'pending', awaiting_event = NULL, awaiting_until = NULL, updated_at = now(),
    message_count = message_count + 1`;
const WAKE_RETURNING = `id, queue, lease_epoch, message_count, step_count, token_usage, tenant_id, user_id`;

const WAKE_TAIL = `
, msg AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT id, message_count, 'user', jsonb_build_object('event', event_type, 'payload', payload) FROM woke
), log AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT id, step_count, 'info', 'event_received', 'Event ' || event_type || ' received',
         jsonb_build_object('status', 'pending', 'event_type', event_type)
  FROM woke
  RETURNING id, execution_id, step_number, level, event_type, message, context, created_at
)
-- NOTE: joined to the table by primary key, not CTE to CTE: right after parking, statistics predict
-- one woken row and a CTE-to-CTE join became a nested loop over n² pairs (65 s for 10,000).
-- The columns read here are ones a wake-up does not change, so the statement's snapshot is right.
SELECT e.id, e.queue, e.lease_epoch, e.tenant_id, e.user_id, e.agent_type, e.step_count, e.token_usage,
       to_jsonb(log) - 'execution_id' AS log
FROM log JOIN agent_executions e ON e.id = log.execution_id`;

/** $1 event type · $2 tenant · $3 user (null = any) · $4 payload */
export const WAKE_MATCHING_SQL = `
WITH woke AS (
  UPDATE agent_executions SET ${WAKE_SET}
  WHERE status = 'awaiting_event' AND awaiting_event = $1 AND tenant_id = $2 AND ($3::text IS NULL OR user_id = $3)
  RETURNING ${WAKE_RETURNING}, $1::text AS event_type, $4::jsonb AS payload
)${WAKE_TAIL}`;

/** One execution, if it waits for this event. $1 event type · $2 execution id · $3 payload */
export const WAKE_ONE_SQL = `
WITH woke AS (
  UPDATE agent_executions SET ${WAKE_SET}
  WHERE id = $2 AND status = 'awaiting_event' AND awaiting_event = $1
  RETURNING ${WAKE_RETURNING}, $1::text AS event_type, $3::jsonb AS payload
)${WAKE_TAIL}`;

/**
 * Right after an execution parked on an event: if that event already came (the inbox), consume
 * it and wake. $1 execution id · $2 event type
 */
export const WAKE_FROM_INBOX_SQL = `
WITH ev AS (
  UPDATE agent_event_inbox SET consumed_at = now()
  WHERE id = (SELECT id FROM agent_event_inbox
              WHERE execution_id = $1 AND event_type = $2 AND consumed_at IS NULL AND expires_at > now()
              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING payload
), woke AS (
  UPDATE agent_executions SET ${WAKE_SET}
  FROM ev
  WHERE id = $1 AND status = 'awaiting_event' AND awaiting_event = $2
  RETURNING ${WAKE_RETURNING}, $2::text AS event_type, ev.payload AS payload
)${WAKE_TAIL}`;

/** The target of a targeted trigger, locked: a concurrent park waits for us, or we for it. */
export const LOCK_TARGET_SQL = `
SELECT status, awaiting_event FROM agent_executions
WHERE id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR user_id = $3) FOR UPDATE`;

/** $1 execution · $2 event type · $3 payload · $4 ttl seconds */
export const KEEP_IN_INBOX_SQL = `
INSERT INTO agent_event_inbox (execution_id, event_type, payload, expires_at)
VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4::double precision))`;
