/** Every statement that writes `agent_hook_deliveries` (its rows are created by the outbox trigger, migration `Hooks`). */

/**
 * Claims due deliveries for one attempt each: the attempt is counted and the row put out of reach
 * for `$2` ms (the call's timeout and a margin), so a node that dies mid-call leaves it due again
 * then. SKIP LOCKED: nodes claiming together take different rows. $1 limit · $2 lease ms
 */
export const CLAIM_DUE_DELIVERIES_SQL = `
UPDATE agent_hook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
WHERE id IN (
  SELECT id FROM agent_hook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
)
RETURNING id, tenant_id, url, payload, attempts`;

/** Fenced on the attempt: the answer of an attempt whose lease ran out (and was tried again) changes nothing. */
export const RECORD_DELIVERED_SQL = `
UPDATE agent_hook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $3, last_error = NULL,
  attempt_log = attempt_log || $4::jsonb
WHERE id = $1 AND attempts = $2 AND status = 'pending'`;

/** A failed attempt: due again after `$3` ms, or `failed` once `$5` attempts were made. */
export const RECORD_ATTEMPT_FAILED_SQL = `
UPDATE agent_hook_deliveries SET
  status = CASE WHEN attempts >= $5 OR $7::boolean THEN 'failed' ELSE 'pending' END,
  next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
  last_status_code = $4, last_error = $6, attempt_log = attempt_log || $8::jsonb
WHERE id = $1 AND attempts = $2 AND status = 'pending'`;

/** An execution's deliveries, oldest first (the caller checked the execution is the principal's). */
export const EXECUTION_DELIVERIES_SQL = `
SELECT id, event, url, status, attempts, next_attempt_at, last_status_code, last_error, attempt_log, delivered_at, created_at
FROM agent_hook_deliveries WHERE execution_id = $1 ORDER BY created_at, id`;

/**
 * Makes a failed delivery due again now, guarded in this one statement: the row is locked first, so
 * of two redeliveries at once the second waits and then reads it `pending`. Its attempts go on
 * counting: the attempt number fences `RECORD_*`, so it must never come back to one already made.
 * One row when the execution is in scope: `found_status` (null: no such delivery of the execution)
 * and the delivery as the log shows it, null unless it was failed and is now redelivered.
 * $1 delivery · $2 execution · $3 tenant (null: any) · $4 user (null: any)
 */
export const REDELIVER_FAILED_SQL = `
WITH execution AS (
  SELECT id FROM agent_executions
  WHERE id = $2 AND ($3::text IS NULL OR tenant_id = $3) AND ($4::text IS NULL OR user_id = $4)
), target AS (
  SELECT d.id, d.status FROM agent_hook_deliveries d JOIN execution e ON e.id = d.execution_id
  WHERE d.id = $1
  FOR NO KEY UPDATE OF d
), redelivered AS (
  UPDATE agent_hook_deliveries d SET status = 'pending', next_attempt_at = now()
  FROM target t WHERE d.id = t.id AND t.status = 'failed'
  RETURNING d.id, d.event, d.url, d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error, d.attempt_log,
    d.delivered_at, d.created_at
)
SELECT t.status AS found_status, r.*
FROM execution e LEFT JOIN target t ON true LEFT JOIN redelivered r ON true`;
