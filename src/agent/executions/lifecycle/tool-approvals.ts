import { Inject, Injectable } from '@nestjs/common';
import { ExecutionNotFoundError } from '../../errors/agent.errors.js';
import { ApprovalNotFoundError, ApprovalNotPendingError } from '../../errors/tool-approval.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import { approvalResponseMessage, type ToolApprovalDecision } from '../../runtime/tool-approval.js';
import type { Scope } from '../../tenancy/scope.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { publishCommitted } from '../committed-events.js';
import { ExecutionEvents } from '../execution-events.js';
import { executionFromRow } from '../execution-row.js';
import { ExecutionStatus } from '../execution-status.js';
import { APPROVAL_REQUESTED_SQL, DECIDE_TOOL_APPROVAL_SQL } from './tool-approvals.sql.js';

/** A decision's outcome: `resumed` when it was the last one the execution waited for. */
export interface DecidedApproval {
  execution: AgentExecutionEntity;
  resumed: boolean;
}

/**
 * Approves or denies a tool call an LLM agent parked on. The decision is one guarded statement
 * (exactly once under races); the last decision of a wait makes the execution `pending` and
 * enqueues it, and the next step runs the approved calls or gives the model the denials.
 */
@Injectable()
export class ToolApprovals {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly events: ExecutionEvents,
    private readonly queue: ExecutionQueue,
  ) {
    this.pool = database.pool;
  }

  async decide(id: string, scope: Scope, approvalId: string, decision: ToolApprovalDecision): Promise<DecidedApproval> {
    const message = approvalResponseMessage(approvalId, decision);
    const { rows } = await this.pool.query(DECIDE_TOOL_APPROVAL_SQL, [
      id,
      scope.tenantId,
      scope.userId,
      approvalId,
      JSON.stringify(message.content),
      decision.approved,
      decision.reason ?? null,
      LogEventType.ToolApprovalDecided,
    ]);
    const row = rows[0];
    if (!row.updated) throw await this.whyNotDecided(id, scope, approvalId);

    const execution = executionFromRow(row.updated);
    const resumed = execution.status === ExecutionStatus.Pending;
    const { tenantId, userId, agentType, startedAt } = execution;
    // The status event only when the wait ended: a decision with calls still pending changes no status.
    publishCommitted(this.events, { executionId: id, tenantId, userId, agentType, startedAt }, [row.log], resumed ? execution : null);
    if (resumed) await this.queue.enqueue(id, execution.queue as QueueName, { epoch: execution.leaseEpoch });
    return { execution, resumed };
  }

  private async whyNotDecided(id: string, scope: Scope, approvalId: string): Promise<Error> {
    const { rows } = await this.pool.query(APPROVAL_REQUESTED_SQL, [id, scope.tenantId, scope.userId, approvalId]);
    const found = rows[0];
    if (!found) return new ExecutionNotFoundError(id);
    if (!found.requested) return new ApprovalNotFoundError(id, approvalId);
    return new ApprovalNotPendingError(approvalId, found.status);
  }
}
