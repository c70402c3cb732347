import { AgentErrorCode } from './agent-error-code.js';
import { AgentError } from './agent.errors.js';

/** No tool call of this execution ever asked for this approval: 404. */
export class ApprovalNotFoundError extends AgentError {
  constructor(executionId: string, approvalId: string) {
    super(AgentErrorCode.ApprovalNotFound, `Execution ${executionId} has no approval ${approvalId}`);
  }
}

/** The approval was decided already, or the execution no longer waits for it (cancelled, failed): 409, nothing changed. */
export class ApprovalNotPendingError extends AgentError {
  constructor(approvalId: string, currentStatus: string) {
    super(
      AgentErrorCode.ApprovalNotPending,
      `Approval ${approvalId} is not awaiting a decision: it was decided already or the execution is ${currentStatus}`,
      { current_status: currentStatus },
    );
  }
}

/** Input sent while tool calls wait for approval: 409; decide them first. */
export class ApprovalsPendingError extends AgentError {
  constructor(executionId: string) {
    super(
      AgentErrorCode.ApprovalsPending,
      `Execution ${executionId} waits for tool approvals, not input: decide them at POST /api/agents/${executionId}/approvals/:approval_id`,
    );
  }
}
