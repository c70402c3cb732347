import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's statistics.
 *
 * - `agent_stats_rollups`: per tenant and time bucket (1 minute, 10 minutes, 1 hour), the counts,
 *   duration histograms and usage the charts read, for the tenant as a whole (`dimension` '') and
 *   by queue, agent type, user and model. Rewritten by the rollup job; nothing on a run's path
 *   writes it. Read by one index range per chart (the primary key); pruned by bucket age.
 * - `agent_stats_rollup_state`: how far the job has rolled up (one row), so a node that boots
 *   after a pause catches up, and a first boot fills the window from the existing rows.
 * - An index of the executions not ended, per tenant and status: the dashboard's counts of what
 *   runs and waits now, and its stuck executions, without reading the tenant's ended ones. A step
 *   that keeps its run going changes none of its columns (its update stays HOT).
 */
export class DashboardStats1795580000000 implements MigrationInterface {
  name = 'DashboardStats1795580000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "agent_stats_rollups" (
        "tenant_id" text NOT NULL,
        "bucket_seconds" integer NOT NULL,
        "bucket_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "dimension" text NOT NULL,
        "key" text NOT NULL,
        "created" integer NOT NULL DEFAULT 0,
        "completed" integer NOT NULL DEFAULT 0,
        "failed" integer NOT NULL DEFAULT 0,
        "cancelled" integer NOT NULL DEFAULT 0,
        "leases" integer NOT NULL DEFAULT 0,
        "steps" integer NOT NULL DEFAULT 0,
        "step_bins" bigint array NOT NULL DEFAULT '{}',
        "step_counts" integer array NOT NULL DEFAULT '{}',
        "step_p50_ms" bigint,
        "step_p95_ms" bigint,
        "wait_bins" bigint array NOT NULL DEFAULT '{}',
        "wait_counts" integer array NOT NULL DEFAULT '{}',
        "wait_p50_ms" bigint,
        "wait_p95_ms" bigint,
        "input_tokens" bigint NOT NULL DEFAULT 0,
        "output_tokens" bigint NOT NULL DEFAULT 0,
        "cost_usd" numeric(20,6) NOT NULL DEFAULT 0,
        "requests" integer NOT NULL DEFAULT 0,
        CONSTRAINT "PK_agent_stats_rollups" PRIMARY KEY ("tenant_id", "bucket_seconds", "dimension", "bucket_at", "key")
      )
    `);
    await queryRunner.query(`CREATE INDEX "idx_agent_stats_rollups_bucket" ON "agent_stats_rollups" ("bucket_seconds", "bucket_at")`);
    await queryRunner.query(`
      CREATE TABLE "agent_stats_rollup_state" (
        "id" smallint NOT NULL DEFAULT 1,
        "rolled_up_to" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_agent_stats_rollup_state" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_agent_stats_rollup_state_one" CHECK ("id" = 1)
      )
    `);
    await queryRunner.query(`
      CREATE INDEX "idx_agent_executions_tenant_live" ON "agent_executions" ("tenant_id", "status", "updated_at")
        WHERE status IN ('scheduled', 'pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children')
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_agent_executions_tenant_live"`);
    await queryRunner.query(`DROP TABLE "agent_stats_rollup_state"`);
    await queryRunner.query(`DROP TABLE "agent_stats_rollups"`);
  }
}
