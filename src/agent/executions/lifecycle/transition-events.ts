import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import type { CommittedLog } from '../committed-log.js';
import { publishCommitted } from '../committed-events.js';
import type { ExecutionEvents } from '../execution-events.js';

/** The events of a status change committed outside a runner (its log row, then the status it reached). */
export function publishTransition(events: ExecutionEvents, execution: AgentExecutionEntity, log: CommittedLog): void {
  const subject = { executionId: execution.id, tenantId: execution.tenantId, userId: execution.userId, agentType: execution.agentType, startedAt: execution.startedAt };
  publishCommitted(events, subject, [log], execution);
}
