import type { AgentMessage } from './agent-state.js';
import type { JsonObject, JsonValue } from './json.js';

/** A tool call the model made that runs only once a person approves it (the AI SDK's `needsApproval`). */
export interface ApprovalRequest {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  input: JsonValue;
}

/** A person's answer to an `ApprovalRequest`. */
export interface ToolApprovalDecision {
  approved: boolean;
  /** Shown to the model with a denial (the tool's result); kept in the history with an approval. */
  reason?: string;
}

/**
 * The history entry that carries a decision back to the model: the AI SDK's `tool-approval-response`
 * in a tool message. The next model call runs an approved tool first, or answers a denied one with
 * an `execution-denied` result carrying the reason.
 */
export function approvalResponseMessage(approvalId: string, decision: ToolApprovalDecision): AgentMessage {
  const response: JsonObject = { type: 'tool-approval-response', approvalId, approved: decision.approved };
  if (decision.reason !== undefined) response.reason = decision.reason;
  return { role: 'tool', content: [response] };
}
