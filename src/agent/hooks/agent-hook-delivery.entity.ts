import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AgentExecutionEntity } from '../executions/entities/agent-execution.entity.js';

/**
 * One callback owed to one hook: written by the outbox trigger with the status change that owes
 * it, then attempted until delivered or given up. `id` is the idempotency id the receiver sees
 * (`webhook-id`), the same on every attempt.
 */
@Entity('agent_hook_deliveries')
@Index('idx_agent_hook_deliveries_execution', ['executionId', 'createdAt'])
@Index('idx_agent_hook_deliveries_due', ['nextAttemptAt'], { where: `status = 'pending'` })
export class AgentHookDeliveryEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  /** `execution.completed` | `execution.failed` | `execution.awaiting_input`. */
  @Column({ type: 'text' }) event: string;
  @Column({ type: 'text' }) url: string;
  /** The body sent, as JSON: `{ id, type, timestamp, data }`. */
  @Column({ type: 'jsonb' }) payload: unknown;
  /** pending → delivered | failed; see `HookDeliveryStatus`. */
  @Column({ type: 'text', default: 'pending' }) status: string;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt: Date;
  @Column({ name: 'last_status_code', type: 'int', nullable: true }) lastStatusCode: number | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  /** `[{ at, status_code, error, duration_ms }]`, one per attempt. */
  @Column({ name: 'attempt_log', type: 'jsonb', default: () => `'[]'` }) attemptLog: unknown[];
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
