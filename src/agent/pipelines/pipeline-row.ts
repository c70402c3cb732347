import { AgentPipelineEntity } from './entities/agent-pipeline.entity.js';

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string));

/** A raw `agent_pipelines` row (from `RETURNING *` or a locking `SELECT *`) as the entity. */
export function pipelineFromRow(r: Record<string, unknown>): AgentPipelineEntity {
  return Object.assign(new AgentPipelineEntity(), {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    status: r.status,
    stages: r.stages,
    initialInput: r.initial_input,
    stageOutputs: r.stage_outputs ?? {},
    currentStage: Number(r.current_stage ?? 0),
    output: r.output ?? null,
    error: r.error ?? null,
    metadata: r.metadata ?? {},
    completedAt: date(r.completed_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  });
}
