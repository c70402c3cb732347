import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A pipeline: its stage definitions, where it is, and the outputs so far. Each stage's executions
 * carry `pipeline_id` and `stage_index`; their statuses are read from them, not copied here.
 */
@Entity('agent_pipelines')
@Index('idx_agent_pipelines_owner', ['tenantId', 'userId', 'id'])
export class AgentPipelineEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @Column({ name: 'user_id', type: 'text' }) userId: string;
  /** running → completed | failed | cancelled (final); see `PipelineStatus`. */
  @Column({ type: 'text' }) status: string;
  /** The definition as given: `[{ name, agent_type, prompt_template?, queue? } | { parallel: [...] }]`. */
  @Column({ type: 'jsonb' }) stages: unknown;
  @Column({ name: 'initial_input', type: 'jsonb' }) initialInput: unknown;
  /** `{ <stage name>: output }`, filled as stages complete. */
  @Column({ name: 'stage_outputs', type: 'jsonb', default: () => `'{}'` }) stageOutputs: Record<string, unknown>;
  @Column({ name: 'current_stage', type: 'int', default: 0 }) currentStage: number;
  @Column({ type: 'jsonb', nullable: true }) output: unknown;
  /** `{ code, message, stage_index, stage }` when a stage failed. */
  @Column({ type: 'jsonb', nullable: true }) error: Record<string, unknown> | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) metadata: Record<string, unknown>;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
