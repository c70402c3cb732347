import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { numericColumn } from '../../infrastructure/numeric-column.js';

/**
 * One model call: written in the transaction of the step that made it (never without it). Kept
 * when its execution is deleted (`execution_id` becomes null): it is the account of what was spent.
 */
@Entity('token_usage_records')
@Index('idx_token_usage_owner_recorded', ['tenantId', 'userId', 'recordedAt'])
@Index('idx_token_usage_tenant_recorded', ['tenantId', 'recordedAt'])
// NOTE: serves the SET NULL when executions are deleted (cleanup deletes thousands at once).
@Index('idx_token_usage_execution', ['executionId'], { where: 'execution_id IS NOT NULL' })
export class TokenUsageRecordEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'execution_id', type: 'uuid', nullable: true }) executionId: string | null;
  // NOTE: the target is named, not imported (billing sits below the kernel); only the foreign key matters here.
  @ManyToOne('AgentExecutionEntity', { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'execution_id' })
  execution?: unknown;
  @Column({ type: 'text' }) model: string;
  @Column({ name: 'input_tokens', type: 'int' }) inputTokens: number;
  @Column({ name: 'output_tokens', type: 'int' }) outputTokens: number;
  @Column({ name: 'cost_usd', type: 'numeric', precision: 14, scale: 6, transformer: numericColumn }) costUsd: number;
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' }) recordedAt: Date;
}
