import type { ToolResultPart } from 'ai';
import type { AgentMessage } from '../runtime/agent-state.js';
import type { JsonValue } from '../runtime/json.js';
import { SPAWN_SUBAGENT_TOOL } from '../runtime/subagent-access.js';

/** What the parent's wake-up reads of an ended child. */
export interface EndedChild {
  id: string;
  status: string;
  output: JsonValue;
  error: { code?: string; message?: string } | null;
  metadata: { tool_call_id?: string | null };
}

/** The tool call a child answers: the model's call, or (a custom agent's spawn) one named after the child. */
export const toolCallIdOf = (child: Pick<EndedChild, 'id' | 'metadata'>): string => child.metadata.tool_call_id ?? `subagent-${child.id}`;

/** Cut to `maxChars` characters in all, marked with an ellipsis when cut. */
export function capText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(0, maxChars - 1))}…`;
}

/**
 * A child's summary as its spawn call's result: its output as text (capped), or why it has none.
 * Failures and cancels are error results, so the model knows the subagent did not do its task.
 */
export function childSummary(child: Pick<EndedChild, 'status' | 'output' | 'error'>, maxChars: number): ToolResultPart['output'] {
  switch (child.status) {
    case 'completed': {
      const text = typeof child.output === 'string' ? child.output : JSON.stringify(child.output ?? null);
      return { type: 'text', value: capText(text, maxChars) };
    }
    case 'failed':
      return { type: 'error-text', value: capText(`failed: ${child.error?.message ?? 'unknown error'}`, maxChars) };
    default:
      return { type: 'error-text', value: 'cancelled' };
  }
}

/** One tool message per child, in the AI SDK's shape, so the parent's next model call accepts it. */
export function childResultMessage(child: EndedChild, maxChars: number): AgentMessage {
  const part: ToolResultPart = {
    type: 'tool-result',
    toolCallId: toolCallIdOf(child),
    toolName: SPAWN_SUBAGENT_TOOL,
    output: childSummary(child, maxChars),
  };
  return { role: 'tool', content: [part] as unknown as JsonValue };
}
