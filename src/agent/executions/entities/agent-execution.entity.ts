import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NON_TERMINAL_STATUSES, type ExecutionError, type ExecutionStatus } from '../execution-status.js';
import { numericColumn } from '../../infrastructure/numeric-column.js';

/**
 * NOTE: JSON columns are typed loosely here (`unknown`, `Record<string, unknown>`): TypeORM's
 * deep-partial types recurse forever on a recursive JSON type. The view narrows them.
 */
type JsonColumn = unknown;
type JsonObjectColumn = Record<string, unknown>;

const LIVE = `status IN (${NON_TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ')})`;

@Entity('agent_executions')
// NOTE: a status change writes an entry in every index whose predicate its row meets: those only some statuses read are partial.
@Index('idx_agent_executions_owner_live', ['tenantId', 'userId', 'status'], { where: LIVE })
@Index('idx_agent_executions_owner_id', ['tenantId', 'userId', 'id'])
@Index('idx_agent_executions_status_updated', ['status', 'updatedAt'])
@Index('idx_agent_executions_awaiting_event', ['tenantId', 'awaitingEvent'], { where: `status = 'awaiting_event'` })
@Index('idx_agent_executions_settle_pending', ['id'], { where: 'settle_pending' })
@Index('idx_agent_executions_conversation', ['conversationId', 'id'], { where: 'conversation_id IS NOT NULL' })
@Index('idx_agent_executions_pipeline', ['pipelineId', 'stageIndex'], { where: 'pipeline_id IS NOT NULL' })
@Index('idx_agent_executions_forked_from', ['forkedFromExecutionId'], { where: 'forked_from_execution_id IS NOT NULL' })
@Index('idx_agent_executions_retried_from', ['retriedFromExecutionId'], { where: 'retried_from_execution_id IS NOT NULL' })
@Index('idx_agent_executions_tenant_id', ['tenantId', 'id'])
@Index('idx_agent_executions_tenant_status', ['tenantId', 'status', 'id'])
@Index('idx_agent_executions_tenant_type', ['tenantId', 'agentType', 'id'])
@Index('idx_agent_executions_concurrency_key', ['tenantId', 'concurrencyKey', 'createdAt'], { where: 'concurrency_key IS NOT NULL' })
@Index('idx_agent_executions_parent', ['parentExecutionId'], { where: 'parent_execution_id IS NOT NULL' })
@Index('uq_agent_executions_idempotency', ['tenantId', 'userId', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
export class AgentExecutionEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'agent_type', type: 'text' }) agentType: string;
  /** The version of its agent type that started it: only that version's code runs its checkpoint. */
  @Column({ name: 'agent_version', type: 'text', default: '1' }) agentVersion: string;
  /** When a worker first found `agentVersion` not registered and handed the run back; cleared by the next committed step. */
  @Column({ name: 'version_missing_since', type: 'timestamptz', nullable: true }) versionMissingSince: Date | null;
  /** The tier of the principal who started it: its steps run under that tier's policy. */
  @Column({ type: 'text', nullable: true }) tier: string | null;
  @Column({ type: 'text' }) status: ExecutionStatus;
  @Column({ type: 'text' }) queue: string;
  @Column({ type: 'jsonb' }) input: JsonColumn;
  @Column({ type: 'jsonb', nullable: true }) output: JsonColumn;
  /** The agent's checkpoint data (not the history: that is `agent_messages`). */
  @Column({ type: 'jsonb', default: () => `'{}'` }) state: JsonObjectColumn;
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: JsonObjectColumn;
  @Column({ type: 'jsonb', nullable: true }) error: ExecutionError | null;
  @Column({ name: 'step_count', type: 'int', default: 0 }) stepCount: number;
  @Column({ name: 'message_count', type: 'int', default: 0 }) messageCount: number;
  @Column({ name: 'input_tokens', type: 'bigint', default: 0, transformer: numericColumn }) inputTokens: number;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0, transformer: numericColumn }) outputTokens: number;
  @Column({ name: 'token_usage', type: 'bigint', default: 0, transformer: numericColumn }) tokenUsage: number;
  @Column({ name: 'cost_usd', type: 'numeric', precision: 14, scale: 6, default: 0, transformer: numericColumn }) costUsd: number;
  @Column({ type: 'int', default: 0 }) priority: number;
  @Column({ name: 'idempotency_key', type: 'text', nullable: true }) idempotencyKey: string | null;
  @Column({ name: 'awaiting_event', type: 'text', nullable: true }) awaitingEvent: string | null;
  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true }) scheduledFor: Date | null;
  /** When the current wait (input or event) expires; null = no limit. */
  @Column({ name: 'awaiting_until', type: 'timestamptz', nullable: true }) awaitingUntil: Date | null;
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true }) conversationId: string | null;
  /**
   * Deleting a conversation deletes its turns, and with them their messages, logs and signals.
   * NOTE: the target is named, not imported (conversations build on the kernel, not the reverse);
   * only the foreign key matters here, no query loads the relation.
   */
  @ManyToOne('AgentConversationEntity', { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'conversation_id' })
  conversation?: unknown;
  @Column({ name: 'pipeline_id', type: 'uuid', nullable: true }) pipelineId: string | null;
  @Column({ name: 'stage_index', type: 'int', nullable: true }) stageIndex: number | null;
  @Column({ name: 'parent_execution_id', type: 'uuid', nullable: true }) parentExecutionId: string | null;
  @Column({ type: 'int', default: 0 }) depth: number;
  /**
   * A fork: the execution and the step its state was taken from.
   * NOTE: the foreign key (ON DELETE SET NULL) is the migration's; no query loads the relation.
   */
  @Column({ name: 'forked_from_execution_id', type: 'uuid', nullable: true }) forkedFromExecutionId: string | null;
  @Column({ name: 'forked_from_step', type: 'int', nullable: true }) forkedFromStep: number | null;
  /**
   * An admin's retry: the failed or cancelled execution this one starts again.
   * NOTE: the foreign key (ON DELETE SET NULL) and the GIN index on `metadata` are the migration's.
   */
  @Column({ name: 'retried_from_execution_id', type: 'uuid', nullable: true }) retriedFromExecutionId: string | null;
  /** A start's concurrency key: at most `concurrencyLimit` executions of the tenant with it run at once. */
  @Column({ name: 'concurrency_key', type: 'text', nullable: true }) concurrencyKey: string | null;
  @Column({ name: 'concurrency_limit', type: 'int', nullable: true }) concurrencyLimit: number | null;
  /**
   * Its end has consequences still owed (a conversation to append to, a pipeline to advance, a
   * parent to wake, children to cancel). Set when the row is linked; cleared in the transaction
   * that applies them. The recovery sweep re-drives terminal rows still flagged (DESIGN rule 2).
   */
  @Column({ name: 'settle_pending', type: 'boolean', default: false }) settlePending: boolean;
  /** Outbound hooks `[{ url, events? }]`; the outbox trigger writes a delivery per hook at each status change owed one. */
  @Column({ type: 'jsonb', nullable: true }) hooks: unknown;
  /**
   * The budget reservation of the step in flight `{ period, keys, tokens, usd }`, replaced by the actual
   * spend in the step's commit; released by recovery if the runner died holding it.
   */
  @Column({ name: 'budget_reservation', type: 'jsonb', nullable: true }) budgetReservation: JsonColumn;
  @Column({ name: 'lease_epoch', type: 'int', default: 0 }) leaseEpoch: number;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner: string | null;
  @Column({ name: 'lease_heartbeat_at', type: 'timestamptz', nullable: true }) leaseHeartbeatAt: Date | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true }) pausedAt: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
