/**
 * Cleanup statements, each bounded by a batch size so no run holds long locks or builds one huge
 * transaction; the service repeats a statement until a batch comes back short.
 */

/**
 * $1 retention days · $2 terminal statuses · $3 batch size. Deleting an execution cascades to its
 * logs, messages and signals (foreign keys). A terminal row never changes again, so nothing races.
 */
export const DELETE_OLD_EXECUTIONS_SQL = `
DELETE FROM agent_executions
WHERE id IN (
  SELECT id FROM agent_executions
  WHERE status = ANY($2::text[])
    AND COALESCE(completed_at, updated_at) < now() - make_interval(days => $1::int)
  LIMIT $3
)`;

/** $1 retention days · $2 batch size: logs of the executions that are kept (the others went with them). */
export const DELETE_OLD_LOGS_SQL = `
DELETE FROM agent_logs
WHERE id IN (
  SELECT id FROM agent_logs
  WHERE created_at < now() - make_interval(days => $1::int)
  LIMIT $2
)`;

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

/** Inbox events consumed, or kept past their TTL. $1 batch size */
export const DELETE_SPENT_INBOX_SQL = `
DELETE FROM agent_event_inbox
WHERE id IN (SELECT id FROM agent_event_inbox WHERE consumed_at IS NOT NULL OR expires_at < now() LIMIT $1)`;

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
