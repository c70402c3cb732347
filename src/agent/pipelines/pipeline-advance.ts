import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { AgentExecutionEntity } from '../executions/entities/agent-execution.entity.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from '../executions/lifecycle/execution-settlement.js';
import { LinkedExecutions } from '../executions/lifecycle/linked-executions.js';
import { AgentInputCheck } from '../executions/registry/agent-input-check.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import { describeIssues } from '../runtime/schemas/input-validation.js';
import type { AgentPipelineEntity } from './entities/agent-pipeline.entity.js';
import type { PipelineStage } from './pipeline-stage.js';
import type { ResolvedPipelineOptions } from './pipeline.options.js';
import { pipelineFromRow } from './pipeline-row.js';
import { isFinalPipeline } from './pipeline-status.js';
import { stageInputs, stageOutputValue } from './pipeline-template.js';
import { PipelineUpdates } from './pipeline-updates.js';
import {
  ADVANCE_PIPELINE_SQL,
  COMPLETE_PIPELINE_SQL,
  FAIL_PIPELINE_SQL,
  LOCK_PIPELINE_SQL,
  STAGE_EXECUTIONS_SQL,
} from './pipelines.sql.js';
import { stageOutcome, type StageMemberRun } from './stage-outcome.js';
import { fromStoredStages } from './stored-stages.js';

/** Why the pipeline cancels executions: the cancel log reads "Cancelled with its pipeline". */
export const cancelledWithPipeline = (pipelineId: string, why: string) => ({
  cancelled_with: 'its pipeline',
  pipeline_id: pipelineId,
  reason: why,
});

/**
 * The consequence of a stage execution's end (SPEC §10), in the settlement's transaction
 * (DESIGN rule 2): committed with the cleared `settle_pending` of that execution, re-driven by
 * the recovery sweep if the process died first. The pipeline row is locked, so the ends of a
 * parallel group's members are judged one after the other and the group moves on exactly once.
 */
@Injectable()
export class PipelineAdvance implements SettlementHandler, OnModuleInit {
  readonly name = 'pipeline-advance';

  constructor(
    private readonly settlement: ExecutionSettlement,
    private readonly linked: LinkedExecutions,
    private readonly inputs: AgentInputCheck,
    private readonly updates: PipelineUpdates,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedPipelineOptions,
  ) {}

  onModuleInit(): void {
    if (this.options.features.pipelines) this.settlement.register(this);
  }

  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    if (!execution.pipelineId || execution.stageIndex === null) return;
    const { rows } = await client.query(LOCK_PIPELINE_SQL, [execution.pipelineId]);
    if (!rows[0]) return;
    const pipeline = pipelineFromRow(rows[0]);
    // Ended, or already past this stage (a sibling's end moved it on): nothing is owed any more.
    if (isFinalPipeline(pipeline.status) || pipeline.currentStage !== execution.stageIndex) return;
    const stages = fromStoredStages(pipeline.stages);
    const stage = stages[execution.stageIndex];
    if (!stage) return;

    const runs = (await client.query<StageMemberRun>(STAGE_EXECUTIONS_SQL, [pipeline.id, execution.stageIndex])).rows;
    const outcome = stageOutcome(stage, execution.stageIndex, runs, execution.id);
    if (outcome.kind === 'running') return;

    let updated: AgentPipelineEntity;
    if (outcome.kind === 'failed') {
      updated = pipelineFromRow((await client.query(FAIL_PIPELINE_SQL, [pipeline.id, JSON.stringify(outcome.error)])).rows[0]);
      // A parallel group's other members are of no use any more.
      await this.settlement.cancelWithin(client, outcome.stillRunning, cancelledWithPipeline(pipeline.id, 'a stage failed'), afterCommit);
    } else if (execution.stageIndex === stages.length - 1) {
      const output = stageOutputValue(stage, outcome.outputs);
      updated = pipelineFromRow(
        (await client.query(COMPLETE_PIPELINE_SQL, [pipeline.id, JSON.stringify(outcome.outputs), JSON.stringify(output)])).rows[0],
      );
    } else {
      updated = await this.startNextStage(client, pipeline, stages, execution, outcome.outputs, afterCommit);
    }
    afterCommit(() => this.updates.publishQuietly(updated, execution.id));
  }

  /** The next stage's executions, prompts rendered from the outputs so far. Not admitted against limits: the pipeline was. */
  private async startNextStage(
    client: PoolClient,
    pipeline: AgentPipelineEntity,
    stages: PipelineStage[],
    ended: AgentExecutionEntity,
    outputs: Record<string, JsonValue>,
    afterCommit: SettleContext['afterCommit'],
  ): Promise<AgentPipelineEntity> {
    const next = ended.stageIndex! + 1;
    const stageOutputs = { ...(pipeline.stageOutputs as Record<string, JsonValue>), ...outputs };
    const rendered = stageInputs(stages, next, pipeline.initialInput as JsonValue, stageOutputs);
    const members = stages[next]!.members;
    const checks = await Promise.all(members.map((member, i) => this.inputs.check(member.agentType, rendered[i]!)));
    const rejected = checks.findIndex((c) => !c.ok);
    if (rejected >= 0) {
      // A stage whose agent type's inputSchema rejects what the pipeline hands it fails the pipeline: nothing of it starts.
      const issues = (checks[rejected] as { issues: Array<{ path: string; message: string }> }).issues;
      const error: JsonObject = {
        code: 'invalid_input',
        message: `Stage '${members[rejected]!.name}' cannot start: its input does not match the input schema of agent type '${members[rejected]!.agentType}': ${describeIssues(issues)}`,
        stage_index: next,
        stage: members[rejected]!.name,
        fields: issues.map(({ path, message }) => ({ path, message })),
      };
      return pipelineFromRow((await client.query(FAIL_PIPELINE_SQL, [pipeline.id, JSON.stringify(error)])).rows[0]);
    }
    const inputs = checks.map((c) => (c as { value: JsonValue }).value);
    const created = await this.linked.insertWithin(
      client,
      members.map((member, i) => ({
        tenantId: pipeline.tenantId,
        userId: pipeline.userId,
        tier: ended.tier,
        agentType: member.agentType,
        queue: member.queue as QueueName,
        input: inputs[i]!,
        metadata: { pipeline_stage: member.name },
        pipelineId: pipeline.id,
        stageIndex: next,
      })),
    );
    afterCommit(() => this.linked.enqueue(created));
    return pipelineFromRow((await client.query(ADVANCE_PIPELINE_SQL, [pipeline.id, next, JSON.stringify(outputs)])).rows[0]);
  }
}
