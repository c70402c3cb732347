import type { CommittedLog } from './committed-log.js';
import { ExecutionEventName, type ExecutionEvents, type StatusChangedEvent, type StepCompletedEvent } from './execution-events.js';
import type { ExecutionStatus } from './execution-status.js';
import { LogEventType } from '../runtime/log-event-type.js';

/** Whom a commit's events are about; `startedAt` (when it first ran, if known) rides on its status event. */
export interface EventSubject {
  executionId: string;
  tenantId: string;
  userId: string;
  agentType: string;
  startedAt?: Date | null;
}

/** The status a commit reached, as the committed row says. */
export type StatusReached = Pick<StatusChangedEvent, 'stepCount' | 'tokenUsage' | 'completedAt' | 'error' | 'settlePending'> & {
  status: ExecutionStatus;
};

/** The step a commit completed. */
export type StepCompleted = Pick<StepCompletedEvent, 'stepNumber' | 'stepType' | 'toolNames' | 'tokensUsed'>;

/**
 * The events of one commit, published after it, in `seq` order: each log row it appended, the step
 * it completed (beside that step's `step_completed` row) and the status it reached (beside its last
 * row). Every writer of execution events (the runner, the guarded transitions, the wakes) goes
 * through here. Returns the `seq` of the last event, if the commit appended any row.
 *
 * NOTE: the runner calls this once per step: it builds each event in one literal, nothing more.
 */
export function publishCommitted(
  events: ExecutionEvents,
  subject: EventSubject,
  logs: readonly CommittedLog[],
  status: StatusReached | null,
  step: StepCompleted | null = null,
): number | undefined {
  const { executionId, tenantId, userId, agentType } = subject;
  const last = logs.at(-1);
  for (const log of logs) {
    const seq = Number(log.id);
    events.publish({ name: ExecutionEventName.LogAppended, executionId, tenantId, userId, agentType, seq, log });
    if (step && log.event_type === LogEventType.StepCompleted) {
      const { stepNumber, stepType, toolNames, tokensUsed } = step;
      const timestamp = new Date(log.created_at);
      events.publish({
        name: ExecutionEventName.StepCompleted,
        executionId,
        tenantId,
        userId,
        agentType,
        seq,
        stepNumber,
        stepType,
        toolNames,
        tokensUsed,
        timestamp,
      });
    }
    if (status && log === last) {
      events.publish({
        name: ExecutionEventName.StatusChanged,
        executionId,
        tenantId,
        userId,
        agentType,
        seq,
        status: status.status,
        stepCount: status.stepCount,
        tokenUsage: status.tokenUsage,
        completedAt: status.completedAt,
        error: status.error,
        startedAt: subject.startedAt,
        settlePending: status.settlePending,
      });
    }
  }
  return last ? Number(last.id) : undefined;
}
