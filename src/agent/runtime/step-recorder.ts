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
  /** When the step began (wall clock), and the same moment on the monotonic clock (`performance.now()`) for its duration. */
  startedAt: Date;
  startMark: number;
  /** Which attempt at the step this is (1 unless earlier ones failed and it is retried). */
  attempt: number;
}

/** The rows of a model or tool call: each carries `offset_ms`, its time from the step's start. */
const CALL_ROWS = new Set<string>([
  LogEventType.ModelCalled,
  LogEventType.ModelCompleted,
  LogEventType.ToolCalled,
  LogEventType.ToolCompleted,
]);

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
  const { attempt = 1, receipts = [], ...ids } = identity;
  const recording: StepRecording = { logs: [], usage: [], tokens: 0, startedAt: new Date(), startMark: performance.now(), attempt };
  const elapsedMs = () => Math.round(performance.now() - recording.startMark);
  const calls = callClock(elapsedMs);
  const write = (level: LogLevel, eventType: string, message: string, context: JsonObject = {}) => {
    recording.logs.push({ level, eventType, message, context: CALL_ROWS.has(eventType) ? calls.timed(eventType, context) : context });
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
  const byCall = new Map(receipts.map((r) => [receiptKey(r.toolName, r.input), r]));
  const context: StepContext = {
    ...ids,
    attempt,
    receipts,
    signal,
    log,
    elapsedMs,
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

/**
 * Times the call rows as they are written (they are committed with the step, long after): each gets
 * its offset from the step's start unless it says so itself, and a `tool_completed` row the time since
 * its `tool_called` (the same `toolCallId`, or the same tool's oldest unfinished call).
 */
function callClock(elapsedMs: () => number) {
  const started: { key: string; at: number }[] = [];
  const keyOf = (context: JsonObject) =>
    typeof context.toolCallId === 'string' ? `id:${context.toolCallId}` : `name:${String(context.toolName)}`;
  return {
    timed(eventType: string, context: JsonObject): JsonObject {
      const now = elapsedMs();
      const timed: JsonObject = { ...context, offset_ms: typeof context.offset_ms === 'number' ? context.offset_ms : now };
      if (eventType === LogEventType.ToolCalled) started.push({ key: keyOf(context), at: now });
      if (eventType === LogEventType.ToolCompleted && typeof context.duration_ms !== 'number') {
        const i = started.findIndex((s) => s.key === keyOf(context));
        if (i >= 0) timed.duration_ms = now - started.splice(i, 1)[0]!.at;
      }
      return timed;
    },
  };
}

export const sumUsage = (usage: ModelUsage[]) =>
  usage.reduce((sum, u) => ({ inputTokens: sum.inputTokens + u.inputTokens, outputTokens: sum.outputTokens + u.outputTokens }), {
    inputTokens: 0,
    outputTokens: 0,
  });
