/**
 * The settlement's statements. A terminal execution flagged `settle_pending` still owes the
 * consequences of its end; the flag is cleared in the transaction that applies them.
 */

/** Locks the execution if it is terminal and still owes consequences. $1 id */
export const LOCK_UNSETTLED_SQL = `
SELECT * FROM agent_executions
WHERE id = $1 AND settle_pending AND status IN ('completed', 'failed', 'cancelled')
FOR UPDATE`;

export const MARK_SETTLED_SQL = `UPDATE agent_executions SET settle_pending = false WHERE id = $1`;

/** What the recovery sweep re-drives: ended, still owing (served by the partial index). $1 limit · $2 min age (ms) */
export const UNSETTLED_SQL = `
SELECT id FROM agent_executions
WHERE settle_pending AND status IN ('completed', 'failed', 'cancelled')
  AND completed_at <= now() - make_interval(secs => $2::double precision / 1000)
ORDER BY id LIMIT $1`;

/**
 * Cancels linked executions inside the caller's transaction (a pipeline's stages, a parent's
 * children): where nothing runs, `cancelled` at once; a running one gets a `cancel` signal row,
 * which its runner reads at its next step commit. Durable with the caller's change, so a crash
 * right after it cannot leave them running.
 *
 * $1 ids · $2 metadata patch (why) · $3 parked statuses
 */
export const CANCEL_LINKED_SQL = `
WITH parked AS (
  UPDATE agent_executions SET
    status = 'cancelled', completed_at = now(), updated_at = now(), lease_owner = NULL,
    awaiting_event = NULL, metadata = metadata || $2::jsonb
  WHERE id = ANY($1::uuid[]) AND status = ANY($3::text[])
  RETURNING *
), logs AS (
  INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context)
  SELECT id, step_count, 'info', 'cancelled', 'Cancelled with ' || ($2::jsonb->>'cancelled_with'), $2::jsonb || '{"status": "cancelled"}'::jsonb
  FROM parked
  RETURNING id, execution_id, step_number, level, event_type, message, context, created_at
), signalled AS (
  -- NOTE: this reads the statement's snapshot, where a row parked waited for and then skipped
  -- (a worker took its lease meanwhile: pending → running) still shows its old status. So: every
  -- running or parkable one that parked did not take is running now, and is asked to cancel.
  INSERT INTO agent_signals (execution_id, signal_type, payload)
  SELECT id, 'cancel', $2::jsonb FROM agent_executions
  WHERE id = ANY($1::uuid[]) AND (status = 'running' OR status = ANY($3::text[])) AND id NOT IN (SELECT id FROM parked)
  RETURNING execution_id
)
SELECT (SELECT COALESCE(jsonb_agg(to_jsonb(parked)), '[]'::jsonb) FROM parked) AS parked,
       (SELECT COALESCE(jsonb_agg(to_jsonb(logs)), '[]'::jsonb) FROM logs) AS logs,
       (SELECT COALESCE(array_agg(execution_id), '{}') FROM signalled) AS signalled`;
