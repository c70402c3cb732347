import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericColumn } from '../../../infrastructure/numeric-column.js';

/**
 * One time bucket of a tenant's activity, as the dashboard's charts read it: the tenant as a whole
 * (`dimension` ''), or one queue, agent type, user or model of it (`dimension` names which, `key`
 * which one). Durations are histograms (`*_bins`: each bin's lowest value in ms, two significant
 * digits; `*_counts`: how many fell in it) with the bucket's percentiles read from them. Written
 * only by the rollup job (`stats-rollup.sql.ts`), which rewrites recent buckets whole.
 */
@Entity('agent_stats_rollups')
@Index('idx_agent_stats_rollups_bucket', ['bucketSeconds', 'bucketAt'])
export class AgentStatsRollupEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  /** 60, 600 or 3600. */
  @PrimaryColumn({ name: 'bucket_seconds', type: 'int' }) bucketSeconds: number;
  /** '' (the tenant), 'queue', 'agent_type', 'user' or 'model'. */
  @PrimaryColumn({ type: 'text' }) dimension: string;
  @PrimaryColumn({ name: 'bucket_at', type: 'timestamptz' }) bucketAt: Date;
  /** The queue, agent type, user or model; '' for the tenant. */
  @PrimaryColumn({ type: 'text' }) key: string;
  @Column({ type: 'int', default: 0 }) created: number;
  @Column({ type: 'int', default: 0 }) completed: number;
  @Column({ type: 'int', default: 0 }) failed: number;
  @Column({ type: 'int', default: 0 }) cancelled: number;
  /** Leases taken: a worker started or resumed an execution. */
  @Column({ type: 'int', default: 0 }) leases: number;
  @Column({ type: 'int', default: 0 }) steps: number;
  @Column({ name: 'step_bins', type: 'bigint', array: true, default: () => `'{}'` }) stepBins: string[];
  @Column({ name: 'step_counts', type: 'int', array: true, default: () => `'{}'` }) stepCounts: number[];
  @Column({ name: 'step_p50_ms', type: 'bigint', nullable: true, transformer: numericColumn }) stepP50Ms: number | null;
  @Column({ name: 'step_p95_ms', type: 'bigint', nullable: true, transformer: numericColumn }) stepP95Ms: number | null;
  @Column({ name: 'wait_bins', type: 'bigint', array: true, default: () => `'{}'` }) waitBins: string[];
  @Column({ name: 'wait_counts', type: 'int', array: true, default: () => `'{}'` }) waitCounts: number[];
  @Column({ name: 'wait_p50_ms', type: 'bigint', nullable: true, transformer: numericColumn }) waitP50Ms: number | null;
  @Column({ name: 'wait_p95_ms', type: 'bigint', nullable: true, transformer: numericColumn }) waitP95Ms: number | null;
  @Column({ name: 'input_tokens', type: 'bigint', default: 0, transformer: numericColumn }) inputTokens: number;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0, transformer: numericColumn }) outputTokens: number;
  @Column({ name: 'cost_usd', type: 'numeric', precision: 20, scale: 6, default: 0, transformer: numericColumn }) costUsd: number;
  /** Model calls. */
  @Column({ type: 'int', default: 0 }) requests: number;
}
