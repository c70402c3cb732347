import type { Principal } from '../tenancy/principal.js';

export interface ToolApprovalDecision {
  approved: boolean;
  reason?: string;
}

/**
 * Who decides a pending tool approval: `AgentManager.decideToolApproval` (the same decision as
 * `POST /api/agents/:id/approvals/:approvalId`). Named by shape: the chat route needs nothing else.
 */
export interface ToolApprovalDecider {
  decideToolApproval(principal: Principal, executionId: string, approvalId: string, decision: ToolApprovalDecision): Promise<unknown>;
}

export const hasToolApprovals = (manager: object): manager is ToolApprovalDecider =>
  typeof (manager as Partial<ToolApprovalDecider>).decideToolApproval === 'function';
