import type { BudgetState } from '../../billing/budget-exceeded.error.js';
import type { JsonObject } from '../../runtime/json.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import type { StepLog } from '../../runtime/step-context.js';
import type { NextState } from '../../runtime/step-transition.js';
import type { StepCompleted } from '../committed-events.js';
import type { ExecutionError } from '../execution-status.js';
import type { Lease } from './lease.js';

/**
 * The application log's context for everything a run writes there, whichever class of the run
 * writes it (operators filter on it).
 */
export const RUN_LOG_CONTEXT = 'ExecutionRunner';

/** Structured fields of the application log lines about an execution. */
export const logFields = (lease: Lease) => ({ execution_id: lease.executionId, tenant_id: lease.tenantId, agent_type: lease.agentType });

/**
 * What a step streamed: how many token deltas, under which lease epoch (a chat replay knows when it
 * has them all); `text`, what a step that streamed none said instead (a chat stream shows it as text).
 */
export interface StreamedTokens {
  tokens: number;
  epoch: number;
  text?: string;
}

function streamedContext(streamed: StreamedTokens): JsonObject {
  if (streamed.tokens > 0) return { streamed_tokens: streamed.tokens, token_epoch: streamed.epoch };
  return streamed.text ? { text: streamed.text } : {};
}

/**
 * When an attempt at a step began, how long it ran, which attempt it was and the tokens its model
 * calls used: on the row its commit ends with (`step_completed`, or `failed` / `step_retry_scheduled`
 * for one that threw), so a run's timeline needs no row of its own per step.
 */
export interface StepTiming {
  startedAt: Date;
  durationMs: number;
  attempt: number;
  inputTokens: number;
  outputTokens: number;
}

const timingContext = (t: StepTiming): JsonObject => ({
  started_at: t.startedAt.toISOString(),
  duration_ms: t.durationMs,
  attempt: t.attempt,
  input_tokens: t.inputTokens,
  output_tokens: t.outputTokens,
});

/** The run failed; `step`: the attempt at a step whose failure it was. */
export const failureLog = (error: ExecutionError, streamed: StreamedTokens = { tokens: 0, epoch: 0 }, step?: StepTiming): StepLog => ({
  level: 'error',
  eventType: LogEventType.Failed,
  message: error.message,
  context: { code: error.code, status: 'failed', ...streamedContext(streamed), ...(step ? timingContext(step) : {}) },
});

/**
 * A step failed with a retryable error and runs again after `delayMs` (attempt `attempt` of `attempts`);
 * `failed` is the attempt that failed (its `attempt` is the one before: this row's `attempt` is the next).
 */
export const retryLog = (error: ExecutionError, attempt: number, attempts: number, delayMs: number, failed: StepTiming): StepLog => ({
  level: 'warning',
  eventType: LogEventType.StepRetryScheduled,
  message: `Attempt ${attempt - 1} of ${attempts} failed: ${error.message}; attempt ${attempt} in ${delayMs} ms`,
  context: {
    ...timingContext(failed),
    code: error.code,
    error: error.message,
    attempt,
    attempts,
    delay_ms: delayMs,
    status: 'scheduled',
  },
});

export const stopLog = (eventType: typeof LogEventType.Paused | typeof LogEventType.Cancelled, message: string): StepLog => ({
  level: 'info',
  eventType,
  message,
  context: { status: eventType },
});

export const budgetExceededLog = (budget: BudgetState, message: string): StepLog => ({
  level: 'warning',
  eventType: LogEventType.BudgetExceeded,
  message,
  context: { budget: budget as unknown as JsonObject },
});

export const handOverLog = (): StepLog => ({
  level: 'info',
  eventType: LogEventType.Checkpointed,
  message: 'Worker shutting down; execution handed over',
  context: { status: 'pending' },
});

export const versionMissingLog = (message: string, registered: string[]): StepLog => ({
  level: 'warning',
  eventType: LogEventType.VersionMissing,
  message,
  context: { status: 'pending', registered_versions: registered },
});

export const stepCompletedLog = (step: StepCompleted, timing: StepTiming, streamed: StreamedTokens = { tokens: 0, epoch: 0 }): StepLog => ({
  level: 'info',
  eventType: LogEventType.StepCompleted,
  message: `Step ${step.stepNumber} completed`,
  context: {
    step_type: step.stepType,
    tool_names: step.toolNames,
    ...timingContext(timing),
    ...streamedContext(streamed),
  },
});

/** The log row of the status a step's commit reaches (none while the run continues). */
export function transitionLogs(next: NextState): StepLog[] {
  switch (next.kind) {
    case 'completed':
      return [{ level: 'info', eventType: LogEventType.Completed, message: 'Execution completed', context: { status: 'completed' } }];
    case 'failed':
      return [failureLog({ code: next.code, message: next.message })];
    case 'awaiting_input':
      return [{ level: 'info', eventType: LogEventType.AwaitingInput, message: next.prompt, context: { status: 'awaiting_input' } }];
    case 'awaiting_event':
      return [
        {
          level: 'info',
          eventType: LogEventType.AwaitingEvent,
          message: `Waiting for event '${next.eventType}'`,
          context: { event_type: next.eventType, status: 'awaiting_event' },
        },
      ];
    case 'awaiting_children': {
      const names = next.spawn.map((s) => s.subagent);
      const message = `Waiting for ${names.length} subagent(s): ${names.join(', ')}`;
      const context = { subagents: names, status: 'awaiting_children' };
      return [{ level: 'info', eventType: LogEventType.AwaitingChildren, message, context }];
    }
    case 'sleeping': {
      const until = next.until.toISOString();
      return [
        { level: 'info', eventType: LogEventType.Sleeping, message: `Sleeping until ${until}`, context: { until, status: 'scheduled' } },
      ];
    }
    case 'chunk_spent':
      // NOTE: no status: the run stays `running` between chunks (lists and clients see no `pending` flicker).
      return [{ level: 'debug', eventType: LogEventType.Checkpointed, message: 'Chunk finished; continuation enqueued', context: {} }];
    case 'continue':
      return [];
  }
}
