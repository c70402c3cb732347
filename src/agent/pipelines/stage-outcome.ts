import { ExecutionStatus, isTerminal, type ExecutionError } from '../executions/execution-status.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import type { PipelineStage } from './pipeline-stage.js';

/** A stage execution as the advance reads it inside its transaction. */
export interface StageMemberRun {
  id: string;
  /** The member's name (`metadata.pipeline_stage`). */
  stage: string;
  status: ExecutionStatus;
  output: JsonValue | null;
  error: ExecutionError | null;
}

/** Why a pipeline failed: `{ code, message, stage_index, stage, execution_id }`. */
export const StageFailureCode = {
  /** The stage's execution was cancelled (by its owner, an admin or a kill), not by the pipeline. */
  Cancelled: 'stage_cancelled',
  /** Failed without an error of its own. */
  Failed: 'stage_failed',
} as const;

export type StageOutcome =
  /** Some members still run: the stage is not over. */
  | { kind: 'running' }
  /** Every member completed: their outputs by name. */
  | { kind: 'completed'; outputs: Record<string, JsonValue> }
  /** A member failed or was cancelled: the pipeline fails, the members still running are cancelled. */
  | { kind: 'failed'; error: JsonObject; stillRunning: string[] };

/**
 * Where stage `index` stands, given its executions. `endedId` is the execution whose end is being
 * settled: if it failed, it is the one the pipeline's error names (otherwise the first failure).
 */
export function stageOutcome(stage: PipelineStage, index: number, runs: readonly StageMemberRun[], endedId: string): StageOutcome {
  const failures = runs.filter((r) => r.status === ExecutionStatus.Failed || r.status === ExecutionStatus.Cancelled);
  const failure = failures.find((r) => r.id === endedId) ?? failures[0];
  if (failure) {
    const cancelled = failure.status === ExecutionStatus.Cancelled;
    const error: JsonObject = {
      code: cancelled ? StageFailureCode.Cancelled : (failure.error?.code ?? StageFailureCode.Failed),
      message: cancelled ? `Stage '${failure.stage}' was cancelled` : (failure.error?.message ?? `Stage '${failure.stage}' failed`),
      stage_index: index,
      stage: failure.stage,
      execution_id: failure.id,
    };
    return { kind: 'failed', error, stillRunning: runs.filter((r) => !isTerminal(r.status)).map((r) => r.id) };
  }
  // NOTE: stage names come from users: a plain object would turn `__proto__` into its prototype.
  const outputs: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
  for (const member of stage.members) {
    // The newest run of the member (runs are oldest first).
    const run = runs.filter((r) => r.stage === member.name).at(-1);
    if (run?.status !== ExecutionStatus.Completed) return { kind: 'running' };
    outputs[member.name] = run.output ?? null;
  }
  return { kind: 'completed', outputs };
}
