import type { JsonObject, JsonValue } from '../runtime/json.js';
import type { ApprovalRequest } from '../runtime/tool-approval.js';
import type { AgentExecutionEntity } from './entities/agent-execution.entity.js';
import { ExecutionStatus } from './execution-status.js';

/**
 * A tool call waiting for a decision, as stored in `metadata.pending_approvals` (committed with the
 * step that parked, shrunk by each decision's statement) and shown in the execution's view.
 */
export interface PendingApproval {
  approval_id: string;
  tool_call_id: string;
  tool_name: string;
  input: JsonValue;
  requested_at: string;
}

/** Where the pending calls live in the row's metadata (the decision statement names it too). */
export const PENDING_APPROVALS_KEY = 'pending_approvals';

/** The stored form of a step's requests, stamped with when they were asked. */
export const pendingApprovals = (requests: readonly ApprovalRequest[], at = new Date()): JsonValue =>
  requests.map((r) => ({
    approval_id: r.approvalId,
    tool_call_id: r.toolCallId,
    tool_name: r.toolName,
    input: r.input,
    requested_at: at.toISOString(),
  }));

/** The calls an execution waits on: only while it is `awaiting_input` (a cancelled run waits on nothing). */
export function pendingApprovalsOf(execution: Pick<AgentExecutionEntity, 'status' | 'metadata'>): PendingApproval[] {
  if (execution.status !== ExecutionStatus.AwaitingInput) return [];
  const stored = (execution.metadata as JsonObject)[PENDING_APPROVALS_KEY];
  return Array.isArray(stored) ? (stored as unknown as PendingApproval[]) : [];
}
