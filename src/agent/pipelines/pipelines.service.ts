import { Inject, Injectable } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedPipelineOptions } from './pipeline.options.js';
import type { ResolvedExecutionOptions } from '../executions/executions.options.js';
import { InputTooLargeError } from '../errors/agent.errors.js';
import { PipelineFinishedError, PipelineNotFoundError } from '../errors/pipeline.errors.js';
import { AgentManager } from '../executions/lifecycle/agent-manager.js';
import { AgentRegistry } from '../executions/registry/agent-registry.js';
import { ExecutionSettlement } from '../executions/lifecycle/execution-settlement.js';
import { TERMINAL_STATUSES } from '../executions/execution-status.js';
import { uuidv7 } from '../executions/uuid-v7.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { QueueName } from '../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../runtime/json.js';
import type { Principal } from '../tenancy/principal.js';
import { allowedQueues, selectQueue } from '../tenancy/queue-selection.js';
import { TierPolicies } from '../tenancy/tier-policies.js';
import type { TierPolicy } from '../tenancy/tier-policy.js';
import { cancelledWithPipeline } from './pipeline-advance.js';
import { parsePipelineStages } from './pipeline-definition.js';
import type { StageMember } from './pipeline-stage.js';
import { pipelineFromRow } from './pipeline-row.js';
import { isFinalPipeline } from './pipeline-status.js';
import { stageInputs } from './pipeline-template.js';
import { inTransaction } from '../infrastructure/in-transaction.js';
import { PipelineUpdates } from './pipeline-updates.js';
import type { PipelineView } from './pipeline.view.js';
import { ACTIVE_STAGE_EXECUTIONS_SQL, CANCEL_PIPELINE_SQL, INSERT_PIPELINE_SQL, LOCK_OWN_PIPELINE_SQL } from './pipelines.sql.js';
import { toStoredStages } from './stored-stages.js';

export interface NewPipeline {
  /** `[{ name, agent_type, prompt_template?, queue? } | { parallel: [...] }]`, validated here. */
  stages: unknown;
  input: JsonValue;
  metadata?: JsonObject;
}

/**
 * Starts and cancels pipelines (SPEC §10). Their stages move on in `PipelineAdvance`, as
 * consequences of the stage executions' ends.
 * @example
 * const pipeline = await pipelines.create(principal, {
 *   stages: [{ name: 'research', agent_type: 'research' }, { name: 'write', agent_type: 'writer', prompt_template: 'Write up: {previous_output}' }],
 *   input: 'durable agents',
 * });
 */
@Injectable()
export class PipelinesService {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedPipelineOptions & ResolvedExecutionOptions,
    private readonly manager: AgentManager,
    private readonly registry: AgentRegistry,
    private readonly tiers: TierPolicies,
    private readonly settlement: ExecutionSettlement,
    private readonly updates: PipelineUpdates,
  ) {
    this.pool = database.pool;
  }

  /**
   * The pipeline row and its first stage's executions in one transaction; the first stage is
   * admitted against the caller's tier limits, so a 429 (or any refusal) leaves nothing behind.
   */
  async create(principal: Principal, request: NewPipeline): Promise<PipelineView> {
    const tier = this.tiers.for(principal);
    const stages = parsePipelineStages(request.stages, {
      agentTypes: this.registry.names(),
      allowedQueues: allowedQueues(tier),
      maxStages: this.options.pipelines.maxStages,
      maxParallel: this.options.pipelines.maxParallel,
    });
    const bytes = Buffer.byteLength(JSON.stringify(request.input ?? null));
    if (bytes > this.options.api.maxInputBytes) throw new InputTooLargeError(bytes, this.options.api.maxInputBytes);
    const stored = toStoredStages(stages, (member) => this.queueOf(member, tier));

    const id = uuidv7();
    const pipeline = await inTransaction(this.pool, async (client, afterCommit) => {
      const { rows } = await client.query(INSERT_PIPELINE_SQL, [
        id,
        principal.tenantId,
        principal.userId,
        JSON.stringify(stored),
        JSON.stringify(request.input ?? null),
        JSON.stringify(request.metadata ?? {}),
      ]);
      const inputs = stageInputs(stages, 0, request.input ?? null, {});
      for (const [i, member] of stages[0]!.members.entries()) {
        const started = await this.manager.startWithin(client, principal, member.agentType, inputs[i]!, {
          queue: member.queue as QueueName | undefined,
          metadata: { pipeline_stage: member.name },
          links: { pipelineId: id, stageIndex: 0 },
        });
        afterCommit(started.afterCommit);
      }
      return pipelineFromRow(rows[0]);
    });
    return this.updates.publish(pipeline);
  }

  /** Cancels the pipeline and, in the same transaction, its stages that have not ended. 409 once it is final. */
  async cancel(principal: Principal, id: string): Promise<PipelineView> {
    const pipeline = await inTransaction(this.pool, async (client, afterCommit) => {
      const locked = (await client.query(LOCK_OWN_PIPELINE_SQL, [id, principal.tenantId, principal.userId])).rows[0];
      if (!locked) throw new PipelineNotFoundError(id);
      if (isFinalPipeline(locked.status)) throw new PipelineFinishedError('cancel', locked.status);
      const { rows } = await client.query(CANCEL_PIPELINE_SQL, [id]);
      const active = await client.query<{ id: string }>(ACTIVE_STAGE_EXECUTIONS_SQL, [id, TERMINAL_STATUSES]);
      await this.settlement.cancelWithin(
        client,
        active.rows.map((r) => r.id),
        cancelledWithPipeline(id, 'the pipeline was cancelled'),
        afterCommit,
      );
      return pipelineFromRow(rows[0]);
    });
    return this.updates.publish(pipeline);
  }

  /** Where a member runs: the same choice as a single start (SPEC §8), made once at creation. */
  private queueOf(member: StageMember, tier: TierPolicy & { name: string }): QueueName {
    const agentQueue = this.registry.get(member.agentType)!.queue;
    return selectQueue({
      explicit: member.queue as QueueName | undefined,
      agentQueue,
      agentQueueIsDefault: agentQueue === this.options.defaults.queue,
      tier,
    });
  }
}
