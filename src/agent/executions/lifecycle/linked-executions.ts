import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { executionFromRow } from '../execution-row.js';
import { ExecutionStatus } from '../execution-status.js';
import { uuidv7 } from '../uuid-v7.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import { DEFAULT_AGENT_VERSION } from '../../runtime/agent-definition.js';
import { INSERT_LINKED_SQL } from './linked-executions.sql.js';

/** An execution the system creates as a consequence (a pipeline's next stage, a subagent). */
export interface LinkedExecutionRow {
  tenantId: string;
  userId: string;
  tier: string | null;
  agentType: string;
  queue: QueueName;
  input: JsonValue;
  metadata?: JsonObject;
  pipelineId?: string;
  stageIndex?: number;
  parentExecutionId?: string;
  depth?: number;
}

/** Creates executions inside a consequence's transaction, and their jobs after it commits. */
@Injectable()
export class LinkedExecutions {
  constructor(
    private readonly queue: ExecutionQueue,
    private readonly registry: AgentRegistry,
  ) {}

  /** `pending` rows, in the given order (ids are time-ordered). Nothing is enqueued: call `enqueue` after the commit. */
  async insertWithin(client: PoolClient, rows: readonly LinkedExecutionRow[]): Promise<AgentExecutionEntity[]> {
    if (rows.length === 0) return [];
    const now = Date.now();
    const json = rows.map((r, i) => ({
      id: uuidv7(now + i),
      tenant_id: r.tenantId,
      user_id: r.userId,
      tier: r.tier,
      agent_type: r.agentType,
      // The type's current version where it is created, as a start would take it.
      agent_version: this.registry.get(r.agentType)?.version ?? DEFAULT_AGENT_VERSION,
      queue: r.queue,
      input: r.input ?? null,
      metadata: r.metadata ?? {},
      pipeline_id: r.pipelineId ?? null,
      stage_index: r.stageIndex ?? null,
      parent_execution_id: r.parentExecutionId ?? null,
      depth: r.depth ?? 0,
    }));
    const { rows: inserted } = await client.query(INSERT_LINKED_SQL, [JSON.stringify(json)]);
    const byId = new Map(inserted.map((row) => [row.id as string, executionFromRow(row)]));
    return json.map((r) => byId.get(r.id)!);
  }

  /** Their jobs: a hint (the recovery sweep re-enqueues a pending row whose job was lost). */
  async enqueue(executions: readonly AgentExecutionEntity[]): Promise<void> {
    for (const execution of executions) {
      if (execution.status === ExecutionStatus.Pending)
        await this.queue.enqueue(execution.id, execution.queue as QueueName, { epoch: execution.leaseEpoch });
    }
  }
}
