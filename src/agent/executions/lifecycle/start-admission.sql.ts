/**
 * Admission of a start, run while holding the user's advisory lock so concurrent starts are
 * counted one after another (20 parallel starts against a limit of 5 → exactly 5). One
 * statement: an existing execution for the idempotency key wins (and is not limited; whether it
 * was the same request is answered too: another request under the same key is refused); else the
 * user's concurrent and last-hour counts decide whether the row is inserted.
 *
 * $1 id · $2 tenant · $3 user · $4 agent type · $5 queue · $6 input · $7 metadata · $8 idempotency key
 * $9 status · $10 scheduled_for · $11 awaiting_event · $12 wait seconds · $13 first id of the last hour
 * $14 max concurrent · $15 per hour · $16 tier · $17 links {conversation_id, pipeline_id, stage_index,
 * parent_execution_id, depth} (a linked row owes consequences when it ends: `settle_pending`)
 */
export const ADMIT_SQL = `
WITH existing AS (
  SELECT * FROM agent_executions
  WHERE $8::text IS NOT NULL AND tenant_id = $2 AND user_id = $3 AND idempotency_key = $8
), usage AS (
  SELECT
    (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3
       AND status IN ('pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'))::int AS concurrent,
    (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3 AND id >= $13::uuid)::int AS hourly,
    (SELECT min(created_at) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3 AND id >= $13::uuid) AS oldest,
    -- Fair admission: a tenant's k-th queued execution gets priority k on the queue.
    (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND queue = $5 AND status = 'pending')::int AS tenant_queued
), ins AS (
  INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, metadata, idempotency_key,
                                scheduled_for, awaiting_event, awaiting_until, tier,
                                conversation_id, pipeline_id, stage_index, parent_execution_id, depth, settle_pending)
  SELECT $1, $2, $3, $4, $9, $5, $6::jsonb, $7::jsonb, $8, $10, $11,
         CASE WHEN $12::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => $12::double precision) END, $16,
         ($17::jsonb->>'conversation_id')::uuid, ($17::jsonb->>'pipeline_id')::uuid, ($17::jsonb->>'stage_index')::int,
         ($17::jsonb->>'parent_execution_id')::uuid, COALESCE(($17::jsonb->>'depth')::int, 0),
         COALESCE($17::jsonb->>'conversation_id', $17::jsonb->>'pipeline_id', $17::jsonb->>'parent_execution_id') IS NOT NULL
  FROM usage
  WHERE NOT EXISTS (SELECT 1 FROM existing) AND usage.concurrent < $14 AND usage.hourly < $15
  RETURNING *
)
SELECT (SELECT to_jsonb(existing) FROM existing LIMIT 1) AS existing,
  (SELECT existing.agent_type = $4 AND existing.input = $6::jsonb AND existing.metadata = $7::jsonb FROM existing LIMIT 1) AS same_request,
  (SELECT to_jsonb(ins) FROM ins) AS created, usage.*
FROM usage`;

/** The same counts, for `GET /api/agents/limits`. $1 tenant · $2 user · $3 first id of the last hour */
export const USAGE_SQL = `
SELECT
  (SELECT count(*) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2
     AND status IN ('pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'))::int AS concurrent,
  (SELECT count(*) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2 AND id >= $3::uuid)::int AS hourly,
  (SELECT min(created_at) FROM agent_executions WHERE tenant_id = $1 AND user_id = $2 AND id >= $3::uuid) AS oldest`;
