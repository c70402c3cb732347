/**
 * The execution a retry starts again, in the caller's scope (null tenant/user: any): what a fresh
 * start of it needs, and what it belongs to (a turn, a member or a child is not retried alone).
 * $1 id · $2 tenant · $3 user
 */
export const RETRY_SOURCE_SQL = `
SELECT id, user_id, tier, agent_type, status, queue, input, metadata, conversation_id, pipeline_id, parent_execution_id,
       concurrency_key, concurrency_limit
FROM agent_executions
WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR user_id = $3)`;

/** A retry's link to the execution it starts again, in the transaction that admitted it. $1 retry · $2 original */
export const LINK_RETRY_SQL = `UPDATE agent_executions SET retried_from_execution_id = $2 WHERE id = $1`;
