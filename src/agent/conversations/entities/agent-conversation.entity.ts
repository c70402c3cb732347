import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numericColumn } from '../../infrastructure/numeric-column.js';

/**
 * A conversation: its history is the `agent_messages` rows tagged with its id (each turn's user
 * message and answer, tagged when the turn completes), never a copy.
 */
@Entity('agent_conversations')
@Index('idx_agent_conversations_owner_activity', ['tenantId', 'userId', 'lastActivityAt'])
export class AgentConversationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'agent_type', type: 'text' }) agentType: string;
  @Column({ type: 'text', nullable: true }) title: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: Record<string, unknown>;
  @Column({ name: 'turn_count', type: 'int', default: 0 }) turnCount: number;
  @Column({ name: 'total_tokens', type: 'bigint', default: 0, transformer: numericColumn }) totalTokens: number;
  @Column({ name: 'last_activity_at', type: 'timestamptz', default: () => 'now()' }) lastActivityAt: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
