import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** How far the rollup job has rolled up: one row. */
@Entity('agent_stats_rollup_state')
@Check('CHK_agent_stats_rollup_state_one', `"id" = 1`)
export class AgentStatsRollupStateEntity {
  @PrimaryColumn({ type: 'smallint', default: 1 }) id: number;
  /** Buckets before this are rolled up (the newest ones are rewritten each cycle all the same). */
  @Column({ name: 'rolled_up_to', type: 'timestamptz' }) rolledUpTo: Date;
}
