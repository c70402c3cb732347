/**
 * The execution a fork starts from, in the caller's scope (null tenant/user: any), with its state
 * after step $4: the message count then, and the agent's data as the last step up to it left it.
 * `at_step` is null when no checkpoint row exists for the step (a step committed before they were kept).
 * $1 id · $2 tenant · $3 user · $4 step
 */
export const FORK_SOURCE_SQL = `
SELECT e.id, e.agent_type, e.agent_version, e.input, e.step_count, e.conversation_id, e.parent_execution_id,
       c.message_count AS at_step,
       (SELECT p.state FROM agent_checkpoints p
         WHERE p.execution_id = e.id AND p.step_number <= $4::int AND p.state IS NOT NULL
         ORDER BY p.step_number DESC LIMIT 1) AS state
FROM agent_executions e
LEFT JOIN agent_checkpoints c ON c.execution_id = e.id AND c.step_number = $4::int
WHERE e.id = $1 AND ($2::text IS NULL OR e.tenant_id = $2) AND ($3::text IS NULL OR e.user_id = $3)`;

/**
 * A fork's history, in the transaction that admitted it: the original's messages up to the step
 * and its checkpoints up to it (so a fork of the fork can go back to any of those steps too).
 * $1 fork id · $2 original id · $3 step · $4 message count at the step
 */
export const COPY_FORK_HISTORY_SQL = `
WITH msgs AS (
  INSERT INTO agent_messages (execution_id, seq, role, content)
  SELECT $1, seq, role, content FROM agent_messages WHERE execution_id = $2 AND seq <= $4::int
)
INSERT INTO agent_checkpoints (execution_id, step_number, message_count, state)
SELECT $1, step_number, message_count, state FROM agent_checkpoints WHERE execution_id = $2 AND step_number <= $3::int`;
