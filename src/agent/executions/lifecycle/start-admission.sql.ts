/**
 * Admission of a start, in one round trip: `agents_admit` (migration AdmissionFunction1795520000000)
 * takes the user's advisory lock, then admits in a statement of its own, so concurrent starts are
 * counted one after another (20 parallel starts against a limit of 5 → exactly 5). An existing
 * execution for the idempotency key wins (and is not limited; whether it was the same request is
 * answered too: another request under the same key is refused); else the user's concurrent and
 * last-hour counts decide whether the row is inserted. Outside a transaction the lock is released
 * when the call returns; inside one (a conversation turn), when that transaction ends.
 *
 * $1 id · $2 tenant · $3 user · $4 agent type · $5 queue · $6 input · $7 metadata · $8 idempotency key
 * $9 status · $10 scheduled_for · $11 awaiting_event · $12 wait seconds · $13 first id of the last hour
 * $14 max concurrent · $15 per hour · $16 tier · $17 links {conversation_id, pipeline_id, stage_index,
 * parent_execution_id, depth} (a linked row owes consequences when it ends: `settle_pending`) · $18 the lock key
 */
export const ADMIT_SQL = `SELECT agents_admit($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb, $8::text, $9::text,
  $10::timestamptz, $11::text, $12::double precision, $13::uuid, $14::int, $15::int, $16::text, $17::jsonb, $18::bigint) AS admitted`;

/**
 * Group admission: the starts that queued while earlier admissions were on their way, in one
 * statement and one commit. `agents_admit_batch` (migration GroupedAdmission1795630000000) admits
 * them in lock-key order, so two batches take their users' locks in the same order and never wait
 * for each other in a cycle, and reads each user's counts once for all of their starts, carrying
 * them on from one start to the next: the limits stay exact. $1 a JSON array of rows with the
 * columns `ord, id, tenant_id, user_id, agent_type, queue, input, metadata, idempotency_key, status,
 * scheduled_for, awaiting_event, wait_seconds, hour_start, max_concurrent, per_hour, tier, links,
 * lock_key, hooks` (its outbound hooks, set on the row it inserts); each answer carries its row's `ord`.
 */
export const ADMIT_BATCH_SQL = `SELECT ord, admitted FROM agents_admit_batch($1::jsonb)`;

/** The same counts, for `GET /api/agents/limits`. $1 tenant · $2 user · $3 first id of the last hour */
export const USAGE_SQL = `
SELECT
  (SELECT count(*) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2
     AND status IN ('pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'))::int AS concurrent,
  (SELECT count(*) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2 AND id >= $3::uuid)::int AS hourly,
  (SELECT min(created_at) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2 AND id >= $3::uuid) AS oldest`;

/**
 * The hooks of an execution just admitted, in the admission's transaction: the outbox trigger
 * (`agents_hook_outbox`, migration `Hooks`) reads them at each status change that owes a callback.
 * $1 id · $2 hooks
 */
export const SET_EXECUTION_HOOKS_SQL = `UPDATE agent_executions SET hooks = $2::jsonb WHERE id = $1`;
