import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numericColumn } from '../../infrastructure/numeric-column.js';

/**
 * What a user (or a tenant, `user_id` = '') spent this month and what running steps have reserved,
 * kept in step with the usage records while a budget applies. Reservations are taken atomically
 * before a step and replaced by the actual spend in the step's commit, so concurrent executions
 * cannot together pass the budget by more than one step each.
 */
@Entity('agent_budget_ledger')
export class BudgetLedgerEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  /** The first day of the month (UTC). */
  @PrimaryColumn({ type: 'date' }) period: string;
  @Column({ name: 'spent_tokens', type: 'bigint', default: 0, transformer: numericColumn }) spentTokens: number;
  @Column({ name: 'spent_usd', type: 'numeric', precision: 14, scale: 6, default: 0, transformer: numericColumn }) spentUsd: number;
  @Column({ name: 'reserved_tokens', type: 'bigint', default: 0, transformer: numericColumn }) reservedTokens: number;
  @Column({ name: 'reserved_usd', type: 'numeric', precision: 14, scale: 6, default: 0, transformer: numericColumn }) reservedUsd: number;
  /** The budget in force (copied at each job's start, so a raised budget applies at the next one); null = no limit of that kind. */
  @Column({ name: 'limit_tokens', type: 'bigint', nullable: true, transformer: numericColumn }) limitTokens: number | null;
  @Column({ name: 'limit_usd', type: 'numeric', precision: 14, scale: 6, nullable: true, transformer: numericColumn }) limitUsd:
    number | null;
}
