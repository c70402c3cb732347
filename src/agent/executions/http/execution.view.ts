import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import type { AgentLogEntity } from '../entities/agent-log.entity.js';
import type { ExecutionError, ExecutionStatus } from '../execution-status.js';
import { PENDING_APPROVALS_KEY, pendingApprovalsOf, type PendingApproval } from '../pending-approvals.js';

/** The public shape of an execution (SPEC §6): explicit, snake_case, no internal columns. */
export interface ExecutionView {
  id: string;
  agent_type: string;
  /** The version of the agent type that started it and runs it. */
  agent_version: string;
  status: ExecutionStatus;
  queue: string;
  step_count: number;
  token_usage: number;
  cost_usd: number;
  input: JsonValue;
  output: JsonValue | null;
  error: ExecutionError | null;
  metadata: JsonObject;
  conversation_id: string | null;
  pipeline_id: string | null;
  parent_execution_id: string | null;
  /** A fork: the execution and the step whose state it started from. */
  forked_from_execution_id: string | null;
  forked_from_step: number | null;
  /** A retry (`POST /api/admin/agents/:id/retry`): the failed or cancelled execution it starts again. */
  retried_from_execution_id: string | null;
  created_at: string;
  started_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
  /** When a scheduled or sleeping execution is due to run (null when it is not waiting for a time). */
  scheduled_for: string | null;
  duration_seconds: number | null;
  /** Tool calls waiting for a decision (`POST /api/agents/:id/approvals/:approval_id`); empty when none. */
  pending_approvals: PendingApproval[];
  logs?: LogView[];
}

export interface LogView {
  id: number;
  /** The step the log belongs to (for a transition: the last step committed). */
  step_number: number | null;
  level: string;
  event_type: string;
  message: string;
  context: JsonObject;
  created_at: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toExecutionView(e: AgentExecutionEntity, logs?: AgentLogEntity[]): ExecutionView {
  const end = e.completedAt ?? (e.startedAt ? new Date() : null);
  return {
    id: e.id,
    agent_type: e.agentType,
    agent_version: e.agentVersion,
    status: e.status,
    queue: e.queue,
    step_count: e.stepCount,
    token_usage: e.tokenUsage,
    cost_usd: e.costUsd,
    input: e.input as JsonValue,
    output: e.output as JsonValue | null,
    error: e.error,
    metadata: withoutApprovals(e.metadata as JsonObject),
    conversation_id: e.conversationId,
    pipeline_id: e.pipelineId,
    parent_execution_id: e.parentExecutionId,
    forked_from_execution_id: e.forkedFromExecutionId,
    forked_from_step: e.forkedFromStep,
    retried_from_execution_id: e.retriedFromExecutionId ?? null,
    created_at: e.createdAt.toISOString(),
    started_at: iso(e.startedAt),
    paused_at: iso(e.pausedAt),
    completed_at: iso(e.completedAt),
    scheduled_for: iso(e.scheduledFor),
    duration_seconds: e.startedAt && end ? Math.max(0, (end.getTime() - e.startedAt.getTime()) / 1000) : null,
    pending_approvals: pendingApprovalsOf(e),
    ...(logs ? { logs: logs.map(toLogView) } : {}),
  };
}

/** An execution as admins see it: whose it is. */
export type OwnedExecutionView = ExecutionView & { user_id: string };

export function toOwnedExecutionView(e: AgentExecutionEntity, logs?: AgentLogEntity[]): OwnedExecutionView {
  return { ...toExecutionView(e, logs), user_id: e.userId };
}

/** The pending calls are shown as `pending_approvals`, where they are current; not twice. */
function withoutApprovals(metadata: JsonObject): JsonObject {
  if (!(PENDING_APPROVALS_KEY in metadata)) return metadata;
  const { [PENDING_APPROVALS_KEY]: _stored, ...rest } = metadata;
  return rest;
}

export const toLogView = (l: AgentLogEntity): LogView => ({
  id: Number(l.id),
  step_number: l.stepNumber,
  level: l.level,
  event_type: l.eventType,
  message: l.message,
  context: l.context as JsonObject,
  created_at: l.createdAt.toISOString(),
});
