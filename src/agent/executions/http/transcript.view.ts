import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { AgentMessageEntity } from '../entities/agent-message.entity.js';

/** A tool call an assistant message made. */
export interface ToolCallView {
  tool_call_id: string;
  tool_name: string;
  input: JsonValue;
}

/** A tool's answer to a call (an error the tool raised, or a denial, with `is_error`). */
export interface ToolResultView {
  tool_call_id: string;
  tool_name: string;
  output: JsonValue;
  is_error: boolean;
}

/** One message of an execution's history, with its text and tool parts taken out of the stored content. */
export interface TranscriptEntryView {
  /** Its place in the execution's history (1, 2, …): the cursor of the next page. */
  seq: number;
  role: string;
  /** The message's text: its content when that is a string, else its text parts joined; null when it has none. */
  text: string | null;
  tool_calls: ToolCallView[];
  tool_results: ToolResultView[];
  /** The message as stored (the model's message parts, or whatever a custom agent appended). */
  content: JsonValue;
  created_at: string;
}

export interface TranscriptView {
  execution_id: string;
  data: TranscriptEntryView[];
  next_cursor: string | null;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function toTranscriptEntry(message: AgentMessageEntity): TranscriptEntryView {
  const content = message.content as JsonValue;
  const parts = Array.isArray(content) ? content.filter(isObject) : [];
  const texts = parts.filter((p) => p.type === 'text' && typeof p.text === 'string').map((p) => p.text as string);
  return {
    seq: message.seq,
    role: message.role,
    text: typeof content === 'string' ? content : texts.length > 0 ? texts.join('') : null,
    tool_calls: parts
      .filter((p) => p.type === 'tool-call')
      .map((p) => ({ tool_call_id: str(p.toolCallId), tool_name: str(p.toolName), input: p.input ?? null })),
    tool_results: parts.filter((p) => p.type === 'tool-result').map(toToolResult),
    content,
    created_at: message.createdAt.toISOString(),
  };
}

/** The AI SDK writes a result's output as `{ type: 'json' | 'text' | 'error-text' | 'error-json' | 'execution-denied', value? }`. */
function toToolResult(part: JsonObject): ToolResultView {
  const output = part.output;
  const kind = isObject(output) ? str(output.type) : '';
  return {
    tool_call_id: str(part.toolCallId),
    tool_name: str(part.toolName),
    output: isObject(output) && kind !== '' && 'value' in output ? output.value! : (output ?? null),
    is_error: kind.startsWith('error') || kind === 'execution-denied',
  };
}
