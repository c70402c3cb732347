/**
 * $1 rows: every linked row owes consequences when it ends (`settle_pending`). Not admitted
 * against tier limits: the work it belongs to was, and a consequence must not be refused.
 */
export const INSERT_LINKED_SQL = `
INSERT INTO agent_executions (id, tenant_id, user_id, tier, agent_type, agent_version, status, queue, input, metadata,
                              pipeline_id, stage_index, parent_execution_id, depth, settle_pending)
SELECT r.id, r.tenant_id, r.user_id, r.tier, r.agent_type, r.agent_version, 'pending', r.queue, r.input, COALESCE(r.metadata, '{}'::jsonb),
       r.pipeline_id, r.stage_index, r.parent_execution_id, COALESCE(r.depth, 0), true
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, tenant_id text, user_id text, tier text, agent_type text, agent_version text, queue text, input jsonb,
                                          metadata jsonb, pipeline_id uuid, stage_index int, parent_execution_id uuid, depth int)
RETURNING *`;
