import type { QueueName } from '../../infrastructure/queue-names.js';
import type { TokenUsage } from '../../runtime/agent-state.js';
import type { JsonObject } from '../../runtime/json.js';
import type { StepResult } from '../../runtime/step-result.js';
import type { NextState } from '../../runtime/step-transition.js';
import { subagentAgentType, type SpawnRequest } from '../../runtime/subagent-access.js';
import type { StepCompleted } from '../committed-events.js';
import { ExecutionStatus } from '../execution-status.js';
import type { LinkedExecutionRow } from '../lifecycle/linked-executions.js';
import type { Lease } from './lease.js';
import { stepCompletedLog, transitionLogs, type StepTiming } from './run-logs.js';
import type { StepRecording } from '../../runtime/step-recorder.js';
import { unstreamedText } from './step-text.js';
import type { CommitRequest, StepBilling } from './step-commit.js';
import type { StepAttempt } from './step-executor.js';
import { PENDING_APPROVALS_KEY, pendingApprovals } from '../pending-approvals.js';

export type SucceededAttempt = Extract<StepAttempt, { ok: true }>;

const STATUS_BY_NEXT: Record<NextState['kind'], ExecutionStatus> = {
  continue: ExecutionStatus.Running,
  // NOTE: between chunks the run stays `running`, its lease released for the continuation (`releaseForContinuation`).
  chunk_spent: ExecutionStatus.Running,
  completed: ExecutionStatus.Completed,
  failed: ExecutionStatus.Failed,
  awaiting_input: ExecutionStatus.AwaitingInput,
  awaiting_event: ExecutionStatus.AwaitingEvent,
  awaiting_children: ExecutionStatus.AwaitingChildren,
  // A sleeping run is scheduled again: the lease takes a due schedule, and a cancel lands at once.
  sleeping: ExecutionStatus.Scheduled,
};

/** What `execution.step_completed` says of a step (its `step_completed` log row says the same). */
export const completedStep = (result: StepResult, stepNumber: number, usage: TokenUsage): StepCompleted => ({
  stepNumber,
  stepType: result.stepType ?? 'custom',
  toolNames: result.toolNames ?? [],
  tokensUsed: usage.inputTokens + usage.outputTokens,
});

/** An attempt's timing, as its last row carries it. */
export const stepTiming = (recording: StepRecording, durationMs: number, usage: TokenUsage): StepTiming => ({
  startedAt: recording.startedAt,
  durationMs,
  attempt: recording.attempt,
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
});

/**
 * A step's commit: its messages, its logs (the step's own, its `step_completed` row, the row of the
 * status it reaches), its tokens and cost, and the transition `next` decided, in one statement.
 */
export function stepCommitRequest(
  lease: Lease,
  step: StepCompleted,
  { result, recording, durationMs }: SucceededAttempt,
  usage: TokenUsage,
  next: NextState,
  billing: StepBilling,
  inputTimeoutSeconds: number,
): CommitRequest {
  return {
    lease,
    stepsAdded: 1,
    stepNumber: step.stepNumber,
    messages: result.messages ?? [],
    logs: [
      ...recording.logs,
      stepCompletedLog(step, stepTiming(recording, durationMs, usage), {
        tokens: recording.tokens,
        epoch: lease.epoch,
        text: recording.tokens === 0 ? unstreamedText(result.messages ?? [], next) : '',
      }),
      ...transitionLogs(next),
    ],
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    state: result.data ?? null,
    nextStatus: STATUS_BY_NEXT[next.kind],
    output: next.kind === 'completed' ? next.output : undefined,
    error: next.kind === 'failed' ? { code: next.code, message: next.message } : undefined,
    awaitingEvent: next.kind === 'awaiting_event' ? next.eventType : null,
    metadata: stepMetadata(lease, step.stepNumber, next),
    waitSeconds: waitSecondsOf(next, inputTimeoutSeconds),
    billing,
  };
}

/**
 * What a step's commit writes into the row's metadata: an input wait's prompt and the tool calls it
 * waits on; a retried step's attempt count, cleared.
 */
function stepMetadata(lease: Lease, stepNumber: number, next: NextState): JsonObject | undefined {
  const wait = next.kind === 'awaiting_input' ? inputWaitMetadata(next) : undefined;
  return lease.stepRetry?.step === stepNumber ? { ...wait, step_retry: null } : wait;
}

/**
 * What an input wait shows: its prompt, and the tool calls it waits on. Only the decisions empty that
 * list (the last one resumes the run), so a later plain input wait finds it empty already.
 */
function inputWaitMetadata(next: Extract<NextState, { kind: 'awaiting_input' }>): JsonObject {
  if (!next.approvals?.length) return { input_prompt: next.prompt };
  return { input_prompt: next.prompt, [PENDING_APPROVALS_KEY]: pendingApprovals(next.approvals) };
}

/**
 * How long a park lasts: input waits by option, event waits as the step asked (none = forever), a
 * sleep until its time (the commit sets `scheduled_for` from it instead of a wait deadline).
 */
export function waitSecondsOf(next: NextState, inputTimeoutSeconds: number): number | undefined {
  if (next.kind === 'awaiting_input') return inputTimeoutSeconds;
  if (next.kind === 'awaiting_event') return next.timeoutSeconds;
  if (next.kind === 'sleeping') return sleepMs(next.until) / 1000;
  return undefined;
}

/** What is left of a sleep (0 once its time has passed). */
export const sleepMs = (until: Date): number => Math.max(0, until.getTime() - Date.now());

/**
 * The children of a spawning step: on the parent's queue (the tier's choice holds for the work it
 * belongs to), one level deeper, tagged with the step that spawned them (the parent's `step_count`
 * while it waits, which is how its wake-up finds them) and the tool call each one answers.
 */
export function childRows(lease: Lease, stepNumber: number, spawn: SpawnRequest[]): LinkedExecutionRow[] {
  return spawn.map((request) => ({
    tenantId: lease.tenantId,
    userId: lease.userId,
    tier: lease.tier,
    agentType: subagentAgentType(request.subagent),
    queue: lease.queue as QueueName,
    input: request.input,
    metadata: { subagent: request.subagent, tool_call_id: request.toolCallId ?? null, spawn_step: stepNumber },
    parentExecutionId: lease.executionId,
    depth: lease.depth + 1,
  }));
}
