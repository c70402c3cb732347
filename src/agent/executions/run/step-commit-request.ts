import type { QueueName } from '../../infrastructure/queue-names.js';
import type { TokenUsage } from '../../runtime/agent-state.js';
import type { StepResult } from '../../runtime/step-result.js';
import type { NextState } from '../../runtime/step-transition.js';
import { subagentAgentType, type SpawnRequest } from '../../runtime/subagent-access.js';
import type { StepCompleted } from '../committed-events.js';
import { ExecutionStatus } from '../execution-status.js';
import type { LinkedExecutionRow } from '../lifecycle/linked-executions.js';
import type { Lease } from './lease.js';
import { stepCompletedLog, transitionLogs } from './run-logs.js';
import { unstreamedText } from './step-text.js';
import type { CommitRequest, StepBilling } from './step-commit.js';
import type { StepAttempt } from './step-executor.js';

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
};

/** What `execution.step_completed` says of a step (its `step_completed` log row says the same). */
export const completedStep = (result: StepResult, stepNumber: number, usage: TokenUsage): StepCompleted => ({
  stepNumber,
  stepType: result.stepType ?? 'custom',
  toolNames: result.toolNames ?? [],
  tokensUsed: usage.inputTokens + usage.outputTokens,
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
      stepCompletedLog(step, durationMs, usage.inputTokens, usage.outputTokens, {
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
    metadata: next.kind === 'awaiting_input' ? { input_prompt: next.prompt } : undefined,
    waitSeconds: waitSecondsOf(next, inputTimeoutSeconds),
    billing,
  };
}

/** How long a wait may last: input waits by option, event waits as the step asked (none = forever). */
export function waitSecondsOf(next: NextState, inputTimeoutSeconds: number): number | undefined {
  if (next.kind === 'awaiting_input') return inputTimeoutSeconds;
  if (next.kind === 'awaiting_event') return next.timeoutSeconds;
  return undefined;
}

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
