import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { LogLevel } from '../../runtime/step-context.js';
import { AgentExecutionEntity } from './agent-execution.entity.js';

/** `id` is the cursor for `after_id` pagination and for catching up after a reconnect. */
@Entity('agent_logs')
@Index('idx_agent_logs_execution_id', ['executionId', 'id'])
@Index('idx_agent_logs_created', ['createdAt'])
export class AgentLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'step_number', type: 'int', nullable: true }) stepNumber: number | null;
  @Column({ type: 'text' }) level: LogLevel;
  @Column({ name: 'event_type', type: 'text' }) eventType: string;
  @Column({ type: 'text' }) message: string;
  @Column({ type: 'jsonb', default: () => `'{}'` }) context: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
