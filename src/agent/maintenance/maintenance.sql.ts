/**
 * Cleanup statements outside the kernel's tables (the kernel deletes its own rows: see
 * `ExecutionRetention`), bounded by a batch size so no run holds long locks or builds one huge
 * transaction; the service repeats a statement until a batch comes back short.
 */

/**
 * $1 input timeout (seconds) · $2 after this id (keyset) · $3 batch size. A wait ends at its
 * `awaiting_until` (an event wait without one waits for ever); an input wait parked before that
 * column existed ends `lifecycle.inputTimeoutSeconds` after it was parked (`updated_at`: nothing
 * touches a parked row). The epoch pins the expiry to that wait.
 */
export const EXPIRED_WAITS_SQL = `
SELECT id, status, lease_epoch FROM agent_executions
WHERE ((status = 'awaiting_event' AND awaiting_until < now())
    OR (status = 'awaiting_input' AND COALESCE(awaiting_until, updated_at + make_interval(secs => $1::double precision)) < now()))
  AND id > $2::uuid
ORDER BY id
LIMIT $3`;

/**
 * Webhook delivery ids older than the signature window twice over: a replay that old is refused
 * by its timestamp anyway. $1 tolerance (seconds) · $2 batch size
 */
export const DELETE_OLD_DELIVERIES_SQL = `
DELETE FROM agent_webhook_deliveries
WHERE (tenant_id, delivery_id) IN (
  SELECT tenant_id, delivery_id FROM agent_webhook_deliveries
  WHERE created_at < now() - make_interval(secs => 2 * $1::double precision)
  LIMIT $2
)`;
