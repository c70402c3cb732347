import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AgentExecutionEntity } from './agent-execution.entity.js';

/**
 * An event sent to one execution before it was waiting for it: kept until `expires_at`, and
 * consumed by the wait that asks for it.
 */
@Entity('agent_event_inbox')
@Index('idx_agent_event_inbox_pending', ['executionId', 'eventType', 'id'], { where: 'consumed_at IS NULL' })
@Index('idx_agent_event_inbox_expires', ['expiresAt'])
export class AgentEventInboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'event_type', type: 'text' }) eventType: string;
  @Column({ type: 'jsonb', nullable: true }) payload: unknown;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true }) consumedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
