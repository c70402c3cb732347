import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numericColumn } from '../../infrastructure/numeric-column.js';

/**
 * A budget set for one user, or for a whole tenant (`user_id` = ''), over the tier's. Null limits
 * mean "no limit of that kind".
 */
@Entity('agent_budgets')
export class AgentBudgetEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  /** '' = the tenant as a whole. */
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'monthly_tokens', type: 'bigint', nullable: true, transformer: numericColumn }) monthlyTokens: number | null;
  @Column({ name: 'monthly_usd', type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numericColumn }) monthlyUsd:
    number | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
