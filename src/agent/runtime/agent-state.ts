import type { JsonObject, JsonValue } from './json.js';

export const MessageRole = {
  System: 'system',
  User: 'user',
  Assistant: 'assistant',
  Tool: 'tool',
} as const;
export type MessageRole = (typeof MessageRole)[keyof typeof MessageRole];

/**
 * One entry of the append-only history. `content` is any JSON: a string for plain text, or the
 * structured parts of a model message (tool calls, tool results).
 */
export interface AgentMessage {
  role: MessageRole;
  content: JsonValue;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export const emptyUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0 });

export const totalTokens = (usage: TokenUsage): number => usage.inputTokens + usage.outputTokens;

/**
 * What a step sees. `messages` is the whole history (loaded once per job, appended in memory);
 * `data` is the agent's own checkpoint, replaced by each step that returns a new one.
 */
export interface AgentState<TInput = JsonValue> {
  readonly input: TInput;
  readonly messages: readonly AgentMessage[];
  readonly data: JsonObject;
  readonly stepCount: number;
  readonly usage: TokenUsage;
}
