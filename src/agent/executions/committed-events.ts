import type { CommittedLog } from './committed-log.js';
import {
  ExecutionEventName,
  type ExecutionEvents,
  type LogAppendedEvent,
  type StatusChangedEvent,
  type StepCompletedEvent,
} from './execution-events.js';
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
 * NOTE: the runner calls this once per step: each event is built in one literal, nothing more.
 */
export function publishCommitted(
  events: ExecutionEvents,
  subject: EventSubject,
  logs: readonly CommittedLog[],
  status: StatusReached | null,
  step: StepCompleted | null = null,
): number | undefined {
  const last = logs.at(-1);
  for (const log of logs) {
    const seq = Number(log.id);
    events.publish(logAppendedEvent(subject, seq, log));
    if (step && log.event_type === LogEventType.StepCompleted) events.publish(stepCompletedEvent(subject, seq, step, log));
    if (status && log === last) events.publish(statusChangedEvent(subject, seq, status));
  }
  return last ? Number(last.id) : undefined;
}

const logAppendedEvent = (subject: EventSubject, seq: number, log: CommittedLog): LogAppendedEvent => ({
  name: ExecutionEventName.LogAppended,
  executionId: subject.executionId,
  tenantId: subject.tenantId,
  userId: subject.userId,
  agentType: subject.agentType,
  seq,
  log,
});

const stepCompletedEvent = (subject: EventSubject, seq: number, step: StepCompleted, log: CommittedLog): StepCompletedEvent => ({
  name: ExecutionEventName.StepCompleted,
  executionId: subject.executionId,
  tenantId: subject.tenantId,
  userId: subject.userId,
  agentType: subject.agentType,
  seq,
  stepNumber: step.stepNumber,
  stepType: step.stepType,
  toolNames: step.toolNames,
  tokensUsed: step.tokensUsed,
  timestamp: new Date(log.created_at),
});

const statusChangedEvent = (subject: EventSubject, seq: number, status: StatusReached): StatusChangedEvent => ({
  name: ExecutionEventName.StatusChanged,
  executionId: subject.executionId,
  tenantId: subject.tenantId,
  userId: subject.userId,
  agentType: subject.agentType,
  seq,
  status: status.status,
  stepCount: status.stepCount,
  tokenUsage: status.tokenUsage,
  completedAt: status.completedAt,
  error: status.error,
  startedAt: subject.startedAt,
  settlePending: status.settlePending,
});
