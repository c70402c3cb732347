import type { ExecutionStatus } from '../executions/execution-status.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import type { AgentPipelineEntity } from './entities/agent-pipeline.entity.js';
import { isFinalPipeline, type PipelineStatus } from './pipeline-status.js';
import { fromStoredStages } from './stored-stages.js';

/** A stage's execution, as much of it as the view needs. */
export interface StageExecution {
  id: string;
  pipelineId: string | null;
  stageIndex: number;
  /** The member's name (`metadata.pipeline_stage`). */
  stage: string;
  status: ExecutionStatus;
}

/** Not started yet: `waiting`; never started because the pipeline ended first: `skipped`. */
export const UNSTARTED_STAGE = { Waiting: 'waiting', Skipped: 'skipped' } as const;

export interface PipelineStageView {
  name: string;
  agent_type: string;
  /** Its execution's status (read from the execution, not stored twice), or `waiting` / `skipped`. */
  status: ExecutionStatus | (typeof UNSTARTED_STAGE)[keyof typeof UNSTARTED_STAGE];
  execution_id: string | null;
}

/** The public shape of a pipeline (SPEC §10): explicit, snake_case. */
export interface PipelineView {
  id: string;
  status: PipelineStatus;
  current_stage: number;
  stages: (PipelineStageView | { parallel: PipelineStageView[] })[];
  stage_outputs: Record<string, JsonValue>;
  output: JsonValue | null;
  error: JsonObject | null;
  metadata: JsonObject;
  created_at: string;
  completed_at: string | null;
}

/** A pipeline in the admin list (`GET /api/admin/pipelines`): whose it is, too. */
export type OwnedPipelineView = PipelineView & { user_id: string };

export function toPipelineView(p: AgentPipelineEntity, executions: readonly StageExecution[]): PipelineView {
  const unstarted = isFinalPipeline(p.status) ? UNSTARTED_STAGE.Skipped : UNSTARTED_STAGE.Waiting;
  const stages = fromStoredStages(p.stages).map((stage, index) => {
    const members = stage.members.map((m): PipelineStageView => {
      // The newest, should a stage ever have been created twice.
      const execution = executions.filter((e) => e.stageIndex === index && e.stage === m.name).at(-1);
      return { name: m.name, agent_type: m.agentType, status: execution?.status ?? unstarted, execution_id: execution?.id ?? null };
    });
    return stage.parallel ? { parallel: members } : members[0]!;
  });
  return {
    id: p.id,
    status: p.status as PipelineStatus,
    current_stage: p.currentStage,
    stages,
    stage_outputs: p.stageOutputs as Record<string, JsonValue>,
    output: (p.output ?? null) as JsonValue | null,
    error: p.error as JsonObject | null,
    metadata: p.metadata as JsonObject,
    created_at: p.createdAt.toISOString(),
    completed_at: p.completedAt ? p.completedAt.toISOString() : null,
  };
}
