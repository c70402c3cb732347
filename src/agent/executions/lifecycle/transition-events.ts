import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionEventName, type ExecutionEvents } from '../execution-events.js';
import type { CommittedLog } from '../committed-log.js';

/** The events of a status change committed outside a runner (its log row, then the status it reached). */
export function publishTransition(events: ExecutionEvents, execution: AgentExecutionEntity, log: CommittedLog): void {
  const ids = { executionId: execution.id, tenantId: execution.tenantId, userId: execution.userId, agentType: execution.agentType, seq: Number(log.id) };
  events.publish({ name: ExecutionEventName.LogAppended, ...ids, log });
  events.publish({
    name: ExecutionEventName.StatusChanged,
    ...ids,
    status: execution.status,
    stepCount: execution.stepCount,
    tokenUsage: execution.tokenUsage,
    completedAt: execution.completedAt,
    error: execution.error,
    startedAt: execution.startedAt,
    settlePending: execution.settlePending,
  });
}
