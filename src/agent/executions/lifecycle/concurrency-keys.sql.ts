/** The executions of a key that hold a slot: every one not ended and not still waiting for one. */
const HOLDS_A_SLOT = `status NOT IN ('completed', 'failed', 'cancelled') AND NOT (status = 'scheduled' AND scheduled_for IS NULL)`;

/**
 * Serializes everything that decides who of a key runs: taken before the count (a statement of its
 * own, so the count's snapshot comes after the lock). Released with the transaction.
 * $1 tenant · $2 key
 */
export const LOCK_CONCURRENCY_KEY_SQL = `SELECT pg_advisory_xact_lock(hashtextextended(length($1) || ':' || $1 || $2, 7321))`;

/**
 * Which of a key's waiting executions may start now: the oldest, as many as the slots left under the
 * limit the oldest of them asked for. $1 tenant · $2 key
 */
export const RELEASABLE_SQL = `
WITH waiting AS (
  SELECT id, concurrency_limit FROM agent_executions
  WHERE tenant_id = $1 AND concurrency_key = $2 AND status = 'scheduled' AND scheduled_for IS NULL
  ORDER BY created_at, id
), free AS (
  SELECT GREATEST(0, (SELECT concurrency_limit FROM waiting LIMIT 1)
    - (SELECT count(*) FROM agent_executions WHERE tenant_id = $1 AND concurrency_key = $2 AND ${HOLDS_A_SLOT}))::int AS slots
)
SELECT id FROM waiting LIMIT (SELECT slots FROM free)`;

/** Keys with executions waiting since before $1 seconds ago: the recovery sweep releases what it can (a start that died before its release). */
export const KEYS_WAITING_SQL = `
SELECT DISTINCT tenant_id, concurrency_key FROM agent_executions
WHERE status = 'scheduled' AND scheduled_for IS NULL AND concurrency_key IS NOT NULL
  AND created_at < now() - make_interval(secs => $1::double precision)`;
