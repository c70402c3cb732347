/** Every statement that writes `agent_schedules`, and the reads that go with them. */

const COLUMNS = `id, tenant_id, user_id, tier, roles, agent_type, input, queue, metadata, hooks, cron, time_zone, status, next_run_at,
  last_tick_at, last_run_at, last_execution_id, last_error, run_count, refused_count, created_at, updated_at`;

export const INSERT_SCHEDULE_SQL = `
INSERT INTO agent_schedules (id, tenant_id, user_id, tier, roles, agent_type, input, queue, metadata, cron, time_zone, status, next_run_at, hooks)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13, $14::jsonb)
RETURNING ${COLUMNS}`;

/** A schedule in the scope: the tenant's, and the user's unless `$3` is null (an admin); another's answers nothing, so 404. */
export const SCOPED_SCHEDULE_SQL = `SELECT ${COLUMNS} FROM agent_schedules WHERE id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR user_id = $3)`;

/** The scope's schedules, newest first, after the cursor (an id: uuid v7 sorts by creation). */
export const LIST_SCHEDULES_SQL = `
SELECT ${COLUMNS} FROM agent_schedules
WHERE tenant_id = $1 AND ($2::text IS NULL OR user_id = $2)
  AND ($3::text IS NULL OR agent_type = $3) AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR id < $5)
ORDER BY id DESC LIMIT $6`;

/** Pause (next tick null) or resume (the next tick from now), only from the other status. */
export const SET_SCHEDULE_STATUS_SQL = `
UPDATE agent_schedules SET status = $4, next_run_at = $5, updated_at = now()
WHERE id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR user_id = $3) AND status = $6
RETURNING ${COLUMNS}`;

/** A schedule in the scope, locked until the update that follows it commits. */
export const LOCK_SCHEDULE_SQL = `${SCOPED_SCHEDULE_SQL} FOR UPDATE`;

/**
 * What the next ticks start, and when: every value is the one to keep or the new one (the service
 * merges them under `LOCK_SCHEDULE_SQL`'s lock); `next_run_at` becomes $9 only when the
 * expression or zone changed ($8).
 */
export const UPDATE_SCHEDULE_SQL = `
UPDATE agent_schedules
SET input = $2::jsonb, queue = $3, metadata = $4::jsonb, hooks = $5::jsonb, cron = $6, time_zone = $7,
  next_run_at = CASE WHEN $8::boolean THEN $9::timestamptz ELSE next_run_at END, updated_at = now()
WHERE id = $1
RETURNING ${COLUMNS}`;

export const DELETE_SCHEDULE_SQL = `DELETE FROM agent_schedules WHERE id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR user_id = $3) RETURNING id`;

/** Active schedules whose tick falls before `$1` (now plus the poll interval), soonest first. */
export const DUE_SCHEDULES_SQL = `
SELECT id, next_run_at FROM agent_schedules
WHERE status = 'active' AND next_run_at <= $1
ORDER BY next_run_at LIMIT $2`;

/**
 * The first half of a tick's claim: the row, locked, if its next tick is still this one ($2), with
 * the expression the following tick is computed from (read under the lock: an update may have
 * changed it). A node that lost the race, or finds the schedule moved to another tick, gets
 * nothing. SKIP LOCKED: a node that finds another claiming the row (or an update holding it) gives
 * up at once instead of holding a connection until that transaction ends (should the other roll
 * back, the tick is still due, and the next look finds it).
 */
export const CLAIMABLE_TICK_SQL = `
SELECT cron, time_zone FROM agent_schedules WHERE id = $1 AND status = 'active' AND next_run_at = $2 FOR UPDATE SKIP LOCKED`;

/** The second half: `next_run_at` moves from the tick ($2) to the following one ($3). */
export const CLAIM_TICK_SQL = `
UPDATE agent_schedules SET next_run_at = $3, last_tick_at = $2, last_run_at = now(), updated_at = now()
WHERE id = $1
RETURNING ${COLUMNS}`;

export const RECORD_TICK_STARTED_SQL = `
UPDATE agent_schedules SET last_execution_id = $2, last_error = NULL, run_count = run_count + 1 WHERE id = $1`;

export const RECORD_TICK_REFUSED_SQL = `
UPDATE agent_schedules SET last_error = $2::jsonb, refused_count = refused_count + 1 WHERE id = $1`;
