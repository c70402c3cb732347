import type { JsonObject, JsonValue } from './json.js';
import type { McpToolSource } from './mcp/mcp-connections.js';
import type { SubagentAccess } from './subagent-access.js';
import type { Workspace } from './tools/workspace-handle.js';
import type { ToolReceipt } from './tools/tool-receipts.js';

export const LogLevel = { Debug: 'debug', Info: 'info', Warning: 'warning', Error: 'error' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** A log line produced inside a step; committed with the step, or not at all. */
export interface StepLog {
  level: LogLevel;
  eventType: string;
  message: string;
  context: JsonObject;
}

export interface ModelUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface StepLogger {
  (level: LogLevel, eventType: string, message: string, context?: JsonObject): void;
  debug(message: string, context?: JsonObject, eventType?: string): void;
  info(message: string, context?: JsonObject, eventType?: string): void;
  warning(message: string, context?: JsonObject, eventType?: string): void;
  error(message: string, context?: JsonObject, eventType?: string): void;
}

/** What the runtime hands to every step. Everything here is scoped to this one step. */
export interface StepContext {
  readonly executionId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly agentType: string;
  /** 1-based number of the step being run. */
  readonly stepNumber: number;
  /** 1 for a step's first run; 2, 3, … when an earlier attempt failed with a retryable error. */
  readonly attempt: number;
  /**
   * The tool calls earlier attempts of this step completed (empty on a first attempt): a retried
   * step answers the same call from here instead of repeating its side effect (LLM agents do it).
   */
  readonly receipts: readonly ToolReceipt[];
  /**
   * Runs a call with a side effect at most once per step: logged as \`tool_called\` / \`tool_completed\`
   * with its input and (JSON) result, which is the receipt. When an earlier attempt of this step
   * completed the same call (same name, same input) and then failed, the result is reused instead.
   * @example
   * const payment = await ctx.callTool('charge', { amount: 42 }, () => payments.charge(42));
   */
  callTool<T extends JsonValue>(toolName: string, input: JsonValue, execute: () => Promise<T> | T): Promise<T>;
  /** Fires on force kill and when the execution's time limit is reached. Pass it to every I/O call. */
  readonly signal: AbortSignal;
  readonly log: StepLogger;
  /** Milliseconds since this step began (its model and tool call rows carry their offset from there). */
  elapsedMs(): number;
  /** Streams a piece of model output to live subscribers (not persisted). */
  emitToken(text: string): void;
  /** Records one model call's usage; committed with the step. */
  recordUsage(usage: ModelUsage): void;
  /**
   * The execution's workspace: confined file operations and a sandboxed `bash` (killed with this
   * step's signal). Absent only where the runtime is used without `AgentModule` (bare unit tests).
   */
  readonly workspace?: Workspace;
  /**
   * What this step may spawn with `step.spawn(...)`: the configured subagents (name and
   * description), this execution's depth and the maximum depth.
   */
  readonly subagents: SubagentAccess;
  /**
   * The worker's MCP connections, from which LLM agents declaring `mcpServers` take their tools.
   * Absent only where the runtime is used without `AgentModule` (bare unit tests).
   */
  readonly mcp?: McpToolSource;
}
