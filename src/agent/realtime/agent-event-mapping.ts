import type { ConversationView } from '../conversations/conversation.view.js';
import type { ExecutionError, ExecutionStatus } from '../executions/execution-status.js';
import { isFinalPipeline, type PipelineStatus } from '../pipelines/pipeline-status.js';
import type { PipelineView } from '../pipelines/pipeline.view.js';
import { AgentEvent, executionStatusEvent, type AnyAgentEvent } from './agent-events.js';
import { RealtimeEventName, type RealtimeEvent } from './realtime-events.js';

const TURN_ENDS: Partial<Record<string, AgentEvent>> = {
  completed: AgentEvent.ConversationTurnCompleted,
  failed: AgentEvent.ConversationTurnFailed,
  cancelled: AgentEvent.ConversationTurnCancelled,
};

const PIPELINE_ENDS: Partial<Record<PipelineStatus, AgentEvent>> = {
  completed: AgentEvent.PipelineCompleted,
  failed: AgentEvent.PipelineFailed,
  cancelled: AgentEvent.PipelineCancelled,
};

const dateOrNull = (value: unknown): Date | null => (typeof value === 'string' ? new Date(value) : null);

/**
 * The host events of one event off the bridge (the one place they are built): a status change,
 * a step, a conversation turn's end, a pipeline's end. Logs and tokens stay on sockets and SSE.
 */
export function agentEventsOf(e: RealtimeEvent): AnyAgentEvent[] {
  const owner = { tenantId: e.tenant_id, userId: e.user_id };
  const p = e.payload;
  switch (e.event) {
    case RealtimeEventName.StatusChanged: {
      const status = p.status as ExecutionStatus;
      return [
        {
          event: executionStatusEvent(status),
          ...owner,
          executionId: e.execution_id,
          ...(e.agent_type ? { agentType: e.agent_type } : {}),
          status,
          stepCount: p.step_count as number,
          tokenUsage: p.token_usage as number,
          completedAt: dateOrNull(p.completed_at),
          error: (p.error as ExecutionError | undefined) ?? null,
          seq: e.seq,
        },
      ];
    }
    case RealtimeEventName.StepCompleted:
      return [
        {
          event: AgentEvent.ExecutionStepCompleted,
          ...owner,
          executionId: e.execution_id,
          ...(e.agent_type ? { agentType: e.agent_type } : {}),
          stepNumber: p.step_number as number,
          stepType: p.step_type as string,
          toolNames: p.tool_names as string[],
          tokensUsed: p.tokens_used as number,
          timestamp: new Date(p.timestamp as string),
          seq: e.seq,
        },
      ];
    case RealtimeEventName.ConversationUpdated: {
      const name = e.cause?.status ? TURN_ENDS[e.cause.status] : undefined;
      if (!name) return [];
      const conversation = p as unknown as ConversationView;
      return [
        {
          event: name,
          ...owner,
          conversationId: conversation.id,
          executionId: e.cause!.execution_id,
          status: e.cause!.status as ExecutionStatus,
          conversation,
        },
      ];
    }
    case RealtimeEventName.PipelineUpdated: {
      const pipeline = p as unknown as PipelineView;
      // NOTE: a pipeline ends once (its final status is guarded), so its end is published once.
      const name = isFinalPipeline(pipeline.status) ? PIPELINE_ENDS[pipeline.status] : undefined;
      if (!name) return [];
      return [
        { event: name, ...owner, pipelineId: pipeline.id, status: pipeline.status, executionId: e.cause?.execution_id ?? null, pipeline },
      ];
    }
    default:
      return [];
  }
}
