import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AgentExecutionEntity } from './agent-execution.entity.js';

/** A durable request to a running execution (pause, resume, cancel, input, or an event type). */
@Entity('agent_signals')
@Index('idx_agent_signals_unprocessed', ['executionId', 'id'], { where: 'processed_at IS NULL' })
export class AgentSignalEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'signal_type', type: 'text' }) signalType: string;
  @Column({ type: 'jsonb', nullable: true }) payload: unknown;
  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true }) processedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
