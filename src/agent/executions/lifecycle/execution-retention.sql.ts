/**
 * The retention deletes of the kernel's tables, each bounded by a batch size so no run holds long
 * locks or builds one huge transaction (the caller repeats one until a batch comes back short).
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

/** Inbox events consumed, or kept past their TTL. $1 batch size */
export const DELETE_SPENT_INBOX_SQL = `
DELETE FROM agent_event_inbox
WHERE id IN (SELECT id FROM agent_event_inbox WHERE consumed_at IS NOT NULL OR expires_at < now() LIMIT $1)`;
