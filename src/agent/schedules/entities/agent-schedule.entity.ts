import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A recurring start: on each tick of `cron` (in `time_zone`) one execution of `agent_type` with
 * `input`, as the user who created it. `next_run_at` is the tick to come and the claim: the node
 * that moves it on starts the tick's execution; null while paused.
 */
@Entity('agent_schedules')
@Index('idx_agent_schedules_owner', ['tenantId', 'userId', 'id'])
@Index('idx_agent_schedules_due', ['nextRunAt'], { where: `status = 'active'` })
export class AgentScheduleEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  /** The creator's tier and roles: each tick starts as this principal. */
  @Column({ type: 'text' }) tier: string;
  @Column({ type: 'jsonb', default: () => `'[]'` }) roles: string[];
  @Column({ name: 'agent_type', type: 'text' }) agentType: string;
  @Column({ type: 'jsonb' }) input: unknown;
  @Column({ type: 'text', nullable: true }) queue: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: Record<string, unknown>;
  /** Outbound hooks of each execution it starts, `[{ url, events? }]`. */
  @Column({ type: 'jsonb', default: () => `'[]'` }) hooks: unknown[];
  @Column({ type: 'text' }) cron: string;
  @Column({ name: 'time_zone', type: 'text' }) timeZone: string;
  /** active | paused; see `ScheduleStatus`. */
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true }) nextRunAt: Date | null;
  /** The last tick claimed, and when it was claimed (later than the tick after an outage). */
  @Column({ name: 'last_tick_at', type: 'timestamptz', nullable: true }) lastTickAt: Date | null;
  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true }) lastRunAt: Date | null;
  @Column({ name: 'last_execution_id', type: 'uuid', nullable: true }) lastExecutionId: string | null;
  /** `{ code, message, at }` of the last tick whose start was refused (limits, budget); cleared by the next start. */
  @Column({ name: 'last_error', type: 'jsonb', nullable: true }) lastError: Record<string, unknown> | null;
  @Column({ name: 'run_count', type: 'int', default: 0 }) runCount: number;
  @Column({ name: 'refused_count', type: 'int', default: 0 }) refusedCount: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
