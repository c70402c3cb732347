import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The throttler's counters with the PostgreSQL transport: one row per throttler and caller (and per
 * route with its own `@Throttle()`), reused window after window. UNLOGGED (see its migration): a
 * counter lost in a crash only forgives a few requests.
 */
@Entity('agent_rate_limits')
@Index('idx_agent_rate_limits_expiry', ['windowEndsAt'])
export class AgentRateLimitEntity {
  @PrimaryColumn({ type: 'text' }) key: string;
  @Column({ type: 'int' }) hits: number;
  @Column({ name: 'window_ends_at', type: 'timestamptz' }) windowEndsAt: Date;
  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true }) blockedUntil: Date | null;
}
