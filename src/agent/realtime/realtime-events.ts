import { ConversationEventName } from '../conversations/conversation-events.js';
import { ExecutionEventName, type ExecutionEvent } from '../executions/execution-events.js';
import { PipelineEventName } from '../pipelines/pipeline-events.js';

/** Event names on the socket and in SSE (SPEC §7). */
export const RealtimeEventName = {
  StatusChanged: 'status.changed',
  StepCompleted: 'step.completed',
  LogAppended: 'log.appended',
  TokenDelta: 'token.delta',
  ConversationUpdated: 'conversation.updated',
  PipelineUpdated: 'pipeline.updated',
} as const;
export type RealtimeEventName = (typeof RealtimeEventName)[keyof typeof RealtimeEventName];

/** What the gateway tells every socket about the delivery itself. */
export const RealtimeNotice = {
  /** `{ notifier: 'up' | 'reconnecting' }`: while reconnecting, events are late (sent on connect too, when not up). */
  State: 'realtime.state',
  /** `{}`: the notifier is back after an outage; events of that time were lost: catch up from the logs after your last `seq`. */
  Resync: 'resync',
} as const;

/**
 * One event as it travels between processes and to clients. `payload` is what clients receive.
 * Conversation and pipeline events belong to no single execution: `execution_id` is empty and
 * they reach the user's and the tenant's rooms only.
 */
export interface RealtimeEvent {
  event: RealtimeEventName;
  tenant_id: string;
  user_id: string;
  execution_id: string;
  seq: number;
  /** The execution's agent type (execution events), for the host's listeners; clients get `payload` only. */
  agent_type?: string;
  /** Conversation and pipeline events caused by an execution's end: that execution and the status it ended in. */
  cause?: { execution_id: string; status?: string };
  payload: Record<string, unknown> & { execution_id?: string; seq?: number };
}

/** Maps an internal execution event to its public form; internal-only events map to null. */
export function toRealtimeEvent(e: ExecutionEvent): RealtimeEvent | null {
  if (e.name === ConversationEventName.Updated || e.name === PipelineEventName.Updated) {
    const event = e.name === ConversationEventName.Updated ? RealtimeEventName.ConversationUpdated : RealtimeEventName.PipelineUpdated;
    const cause = e.executionId
      ? { cause: { execution_id: e.executionId, ...(e.executionStatus ? { status: e.executionStatus } : {}) } }
      : {};
    return { event, tenant_id: e.tenantId, user_id: e.userId, execution_id: '', seq: 0, ...cause, payload: e.view };
  }
  const route = (event: RealtimeEventName, seq: number, payload: Record<string, unknown>): RealtimeEvent => ({
    event,
    tenant_id: e.tenantId,
    user_id: e.userId,
    execution_id: e.executionId,
    seq,
    ...('agentType' in e && e.agentType ? { agent_type: e.agentType } : {}),
    payload: { execution_id: e.executionId, seq, ...payload },
  });
  switch (e.name) {
    case ExecutionEventName.StatusChanged:
      return route(RealtimeEventName.StatusChanged, e.seq, {
        status: e.status,
        step_count: e.stepCount,
        token_usage: e.tokenUsage,
        completed_at: e.completedAt ? new Date(e.completedAt).toISOString() : null,
        ...(e.error ? { error: e.error } : {}),
      });
    case ExecutionEventName.StepCompleted:
      return route(RealtimeEventName.StepCompleted, e.seq, {
        step_number: e.stepNumber,
        step_type: e.stepType,
        tool_names: e.toolNames,
        tokens_used: e.tokensUsed,
        timestamp: new Date(e.timestamp).toISOString(),
      });
    case ExecutionEventName.LogAppended:
      return route(RealtimeEventName.LogAppended, e.seq, {
        id: Number(e.log.id),
        step_number: e.log.step_number,
        level: e.log.level,
        event_type: e.log.event_type,
        message: e.log.message,
        context: e.log.context,
        created_at: new Date(e.log.created_at).toISOString(),
      });
    case ExecutionEventName.Token:
      return route(RealtimeEventName.TokenDelta, e.seq, { step_number: e.stepNumber, epoch: e.epoch, text: e.text, index: e.index });
    default:
      return null;
  }
}
