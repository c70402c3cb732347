import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import type { CommittedLog } from '../committed-log.js';
import { publishCommitted } from '../committed-events.js';
import type { ExecutionEvents } from '../execution-events.js';

/** The events of a status change committed outside a runner (its log row, then the status it reached). */
export function publishTransition(events: ExecutionEvents, execution: AgentExecutionEntity, log: CommittedLog): void {
  const { id: executionId, tenantId, userId, agentType, startedAt } = execution;
  publishCommitted(events, { executionId, tenantId, userId, agentType, startedAt }, [log], execution);
}
