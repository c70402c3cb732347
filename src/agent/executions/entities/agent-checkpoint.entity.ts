import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AgentExecutionEntity } from './agent-execution.entity.js';

/**
 * What a committed step left behind, so the state at any step can be rebuilt (a fork): the
 * execution's message count after the step, and the agent's data when the step replaced it
 * (null: unchanged since the step before). Written in the step's own commit; append-only.
 */
@Entity('agent_checkpoints')
export class AgentCheckpointEntity {
  @PrimaryColumn({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @PrimaryColumn({ name: 'step_number', type: 'int' }) stepNumber: number;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'message_count', type: 'int' }) messageCount: number;
  @Column({ type: 'jsonb', nullable: true }) state: Record<string, unknown> | null;
}
