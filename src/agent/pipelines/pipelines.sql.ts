/**
 * The pipeline's statements inside its transactions (creation, advance, cancel). Every change of
 * status is guarded (`WHERE status = 'running'`): a final pipeline never changes again.
 */

/** $1 id · $2 tenant · $3 user · $4 stages · $5 initial input · $6 metadata */
export const INSERT_PIPELINE_SQL = `
INSERT INTO agent_pipelines (id, tenant_id, user_id, status, stages, initial_input, metadata)
VALUES ($1, $2, $3, 'running', $4::jsonb, $5::jsonb, $6::jsonb)
RETURNING *`;

/** Serializes everything that moves one pipeline. $1 id */
export const LOCK_PIPELINE_SQL = `SELECT * FROM agent_pipelines WHERE id = $1 FOR UPDATE`;

/** The same, for a request: scoped to its owner (a foreign id finds nothing, like a missing one). $1 id · $2 tenant · $3 user */
export const LOCK_OWN_PIPELINE_SQL = `SELECT * FROM agent_pipelines WHERE id = $1 AND tenant_id = $2 AND user_id = $3 FOR UPDATE`;

/** The executions of one stage, oldest first. $1 pipeline · $2 stage index */
export const STAGE_EXECUTIONS_SQL = `
SELECT id, status, output, error, metadata->>'pipeline_stage' AS stage
FROM agent_executions WHERE pipeline_id = $1 AND stage_index = $2
ORDER BY id`;

/** Stage executions still able to run. $1 pipeline · $2 terminal statuses */
export const ACTIVE_STAGE_EXECUTIONS_SQL = `
SELECT id FROM agent_executions WHERE pipeline_id = $1 AND status <> ALL($2::text[]) ORDER BY id`;

/** A stage completed and the next one was created. $1 id · $2 next stage index · $3 outputs to add */
export const ADVANCE_PIPELINE_SQL = `
UPDATE agent_pipelines SET current_stage = $2, stage_outputs = stage_outputs || $3::jsonb, updated_at = now()
WHERE id = $1 AND status = 'running'
RETURNING *`;

/** The last stage completed. $1 id · $2 outputs to add · $3 pipeline output */
export const COMPLETE_PIPELINE_SQL = `
UPDATE agent_pipelines SET status = 'completed', stage_outputs = stage_outputs || $2::jsonb, output = $3::jsonb,
       completed_at = now(), updated_at = now()
WHERE id = $1 AND status = 'running'
RETURNING *`;

/** A stage failed or was cancelled. $1 id · $2 error */
export const FAIL_PIPELINE_SQL = `
UPDATE agent_pipelines SET status = 'failed', error = $2::jsonb, completed_at = now(), updated_at = now()
WHERE id = $1 AND status = 'running'
RETURNING *`;

/** $1 id */
export const CANCEL_PIPELINE_SQL = `
UPDATE agent_pipelines SET status = 'cancelled', completed_at = now(), updated_at = now()
WHERE id = $1 AND status = 'running'
RETURNING *`;
