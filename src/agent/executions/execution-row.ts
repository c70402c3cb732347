import { AgentExecutionEntity } from './entities/agent-execution.entity.js';

type Row = Record<string, unknown>;

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string));
const num = (v: unknown): number => Number(v ?? 0);

/**
 * Maps a raw `agent_executions` row (from `RETURNING *` or `to_jsonb`) to the entity, for the
 * statements that change a row and answer with it in the same round trip.
 */
export function executionFromRow(r: Row): AgentExecutionEntity {
  return Object.assign(new AgentExecutionEntity(), {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    agentType: r.agent_type,
    agentVersion: r.agent_version ?? '1',
    versionMissingSince: date(r.version_missing_since),
    tier: r.tier ?? null,
    status: r.status,
    queue: r.queue,
    input: r.input,
    output: r.output ?? null,
    state: r.state ?? {},
    metadata: r.metadata ?? {},
    error: r.error ?? null,
    stepCount: num(r.step_count),
    messageCount: num(r.message_count),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    tokenUsage: num(r.token_usage),
    costUsd: num(r.cost_usd),
    priority: num(r.priority),
    idempotencyKey: r.idempotency_key ?? null,
    awaitingEvent: r.awaiting_event ?? null,
    scheduledFor: date(r.scheduled_for),
    awaitingUntil: date(r.awaiting_until),
    conversationId: r.conversation_id ?? null,
    pipelineId: r.pipeline_id ?? null,
    stageIndex: r.stage_index ?? null,
    parentExecutionId: r.parent_execution_id ?? null,
    depth: num(r.depth),
    forkedFromExecutionId: r.forked_from_execution_id ?? null,
    forkedFromStep: r.forked_from_step ?? null,
    retriedFromExecutionId: r.retried_from_execution_id ?? null,
    concurrencyKey: r.concurrency_key ?? null,
    concurrencyLimit: r.concurrency_limit ?? null,
    settlePending: r.settle_pending === true,
    hooks: r.hooks ?? null,
    leaseEpoch: num(r.lease_epoch),
    leaseOwner: r.lease_owner ?? null,
    leaseHeartbeatAt: date(r.lease_heartbeat_at),
    startedAt: date(r.started_at),
    pausedAt: date(r.paused_at),
    completedAt: date(r.completed_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  } as Partial<AgentExecutionEntity>);
}
