import type { JsonObject, JsonValue } from './json.js';
import { LogLevel, type ModelUsage, type StepContext, type StepLog, type StepLogger } from './step-context.js';
import { NO_SUBAGENTS, type SubagentAccess } from './subagent-access.js';
import type { Workspace } from './tools/workspace-handle.js';
import type { McpToolSource } from './mcp/mcp-connections.js';
import { LogEventType } from './log-event-type.js';
import { receiptKey, type ToolReceipt } from './tools/tool-receipts.js';

export interface StepIdentity {
  executionId: string;
  tenantId: string;
  userId: string;
  agentType: string;
  stepNumber: number;
  /** 1 unless earlier attempts of this step failed and it is retried. */
  attempt?: number;
  /** What earlier attempts of this step completed (tool calls). */
  receipts?: readonly ToolReceipt[];
}

/** Everything a step produced besides its result; committed with the step or dropped with it. */
export interface StepRecording {
  logs: StepLog[];
  usage: ModelUsage[];
  /** Token deltas the step emitted (a chat stream replaying the step waits until it has them all). */
  tokens: number;
}

/**
 * Builds the context for one step and records what the step reports through it. Tokens go
 * straight to `onToken` (they are live output, not state); logs and usage wait for the commit.
 */
export function recordStep(
  identity: StepIdentity,
  signal: AbortSignal,
  onToken: (text: string) => void,
  workspace?: Workspace,
  subagents: SubagentAccess = NO_SUBAGENTS,
  mcp?: McpToolSource,
): { context: StepContext; recording: StepRecording } {
  const recording: StepRecording = { logs: [], usage: [], tokens: 0 };
  const write = (level: LogLevel, eventType: string, message: string, context: JsonObject = {}) => {
    recording.logs.push({ level, eventType, message, context });
  };
  const log = Object.assign(write, {
    debug: (message: string, context?: JsonObject, eventType: string = LogEventType.AgentLog) =>
      write(LogLevel.Debug, eventType, message, context),
    info: (message: string, context?: JsonObject, eventType: string = LogEventType.AgentLog) =>
      write(LogLevel.Info, eventType, message, context),
    warning: (message: string, context?: JsonObject, eventType: string = LogEventType.AgentLog) =>
      write(LogLevel.Warning, eventType, message, context),
    error: (message: string, context?: JsonObject, eventType: string = LogEventType.AgentLog) =>
      write(LogLevel.Error, eventType, message, context),
  }) as StepLogger;
  const { attempt = 1, receipts = [], ...ids } = identity;
  const byCall = new Map(receipts.map((r) => [receiptKey(r.toolName, r.input), r]));
  const context: StepContext = {
    ...ids,
    attempt,
    receipts,
    signal,
    log,
    emitToken: (text) => {
      if (signal.aborted || text.length === 0) return;
      recording.tokens++;
      onToken(text);
    },
    recordUsage: (usage) => {
      recording.usage.push({ ...usage });
    },
    callTool: async <T extends JsonValue>(toolName: string, input: JsonValue, execute: () => Promise<T> | T): Promise<T> => {
      const receipt = byCall.get(receiptKey(toolName, input));
      if (receipt) {
        log.info(`Tool ${toolName} answered from an earlier attempt`, { toolName }, LogEventType.ToolReused);
        return receipt.output as T;
      }
      log.info(`Calling tool ${toolName}`, { toolName, input }, LogEventType.ToolCalled);
      const output = await execute();
      log.info(`Tool ${toolName} completed`, { toolName, ok: true, input, output }, LogEventType.ToolCompleted);
      return output;
    },
    ...(workspace ? { workspace } : {}),
    subagents,
    ...(mcp ? { mcp } : {}),
  };
  return { context, recording };
}

export const sumUsage = (usage: ModelUsage[]) =>
  usage.reduce((sum, u) => ({ inputTokens: sum.inputTokens + u.inputTokens, outputTokens: sum.outputTokens + u.outputTokens }), {
    inputTokens: 0,
    outputTokens: 0,
  });
