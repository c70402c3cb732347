import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One buffered token delta of a running execution (PostgreSQL transport). UNLOGGED: see its migration. */
@Entity('agent_chat_tokens')
@Index('idx_agent_chat_tokens_execution', ['executionId', 'id'])
@Index('idx_agent_chat_tokens_created', ['createdAt'])
export class AgentChatTokenEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'execution_id', type: 'uuid' }) executionId: string;
  @Column({ type: 'bigint' }) seq: string;
  @Column({ type: 'int' }) step: number;
  @Column({ type: 'int' }) epoch: number;
  @Column({ type: 'int' }) idx: number;
  @Column({ type: 'text' }) text: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
