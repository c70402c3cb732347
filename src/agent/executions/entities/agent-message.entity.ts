import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AgentExecutionEntity } from './agent-execution.entity.js';

/** Append-only history. `(execution_id, seq)` is unique: a step's messages can land only once. */
@Entity('agent_messages')
@Index('uq_agent_messages_execution_seq', ['executionId', 'seq'], { unique: true })
@Index('idx_agent_messages_conversation', ['conversationId', 'id'], { where: 'conversation_id IS NOT NULL' })
export class AgentMessageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @ManyToOne(() => AgentExecutionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'execution_id' })
  execution?: AgentExecutionEntity;
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true }) conversationId: string | null;
  @Column({ type: 'int' }) seq: number;
  @Column({ type: 'text' }) role: string;
  @Column({ type: 'jsonb' }) content: unknown;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
