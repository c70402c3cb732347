import type { JsonObject } from './json.js';
import { LogLevel, type ModelUsage, type StepContext, type StepLog, type StepLogger } from './step-context.js';
import { NO_SUBAGENTS, type SubagentAccess } from './subagent-access.js';
import type { Workspace } from './tools/workspace-handle.js';
import { LogEventType } from './log-event-type.js';

export interface StepIdentity {
  executionId: string;
  tenantId: string;
  userId: string;
  agentType: string;
  stepNumber: number;
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
  const context: StepContext = {
    ...identity,
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
    ...(workspace ? { workspace } : {}),
    subagents,
  };
  return { context, recording };
}

export const sumUsage = (usage: ModelUsage[]) =>
  usage.reduce((sum, u) => ({ inputTokens: sum.inputTokens + u.inputTokens, outputTokens: sum.outputTokens + u.outputTokens }), {
    inputTokens: 0,
    outputTokens: 0,
  });
