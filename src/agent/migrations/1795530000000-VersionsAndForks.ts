import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AdmissionFunction1795520000000 } from './1795520000000-AdmissionFunction.js';

/**
 * Agent versions and forks.
 *
 * - `agent_executions.agent_version`: the version of its agent type that started an execution and
 *   keeps running it; rows from before versions ran the default version, `'1'`.
 * - `agent_executions.version_missing_since`: when a worker first found the execution's version not
 *   registered and handed it back; cleared by the next step that commits (a worker had it).
 * - `agent_executions.forked_from_execution_id` / `forked_from_step`: the execution and step a fork
 *   started from (the link outlives neither: deleting the original clears it).
 * - `agent_checkpoints`: one row per committed step, the message count after it and the agent's
 *   data when the step replaced it, so the state at any step can be rebuilt for a fork.
 * - `agents_admit` also takes the version and a fork's starting point from its `links` argument.
 */
export class VersionsAndForks1795530000000 implements MigrationInterface {
  name = 'VersionsAndForks1795530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "agent_executions"
        ADD "agent_version" text NOT NULL DEFAULT '1',
        ADD "version_missing_since" timestamptz,
        ADD "forked_from_execution_id" uuid,
        ADD "forked_from_step" integer,
        ADD CONSTRAINT "fk_agent_executions_forked_from" FOREIGN KEY ("forked_from_execution_id")
          REFERENCES "agent_executions"("id") ON DELETE SET NULL
    `);
    await queryRunner.query(`
      CREATE INDEX "idx_agent_executions_forked_from" ON "agent_executions" ("forked_from_execution_id")
        WHERE forked_from_execution_id IS NOT NULL
    `);
    await queryRunner.query(`
      CREATE TABLE "agent_checkpoints" (
        "execution_id" uuid NOT NULL REFERENCES "agent_executions"("id") ON DELETE CASCADE,
        "step_number" integer NOT NULL,
        "message_count" integer NOT NULL,
        "state" jsonb,
        CONSTRAINT "pk_agent_checkpoints" PRIMARY KEY ("execution_id", "step_number")
      )
    `);
    await queryRunner.query(ADMIT_FUNCTION);
  }

  /** Puts back this migration's `agents_admit` (a later migration's `down`). */
  async restoreAdmitFunction(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(ADMIT_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await new AdmissionFunction1795520000000().up(queryRunner);
    await queryRunner.query(`DROP TABLE "agent_checkpoints"`);
    await queryRunner.query(`DROP INDEX "idx_agent_executions_forked_from"`);
    await queryRunner.query(`
      ALTER TABLE "agent_executions"
        DROP CONSTRAINT "fk_agent_executions_forked_from",
        DROP COLUMN "forked_from_step",
        DROP COLUMN "forked_from_execution_id",
        DROP COLUMN "version_missing_since",
        DROP COLUMN "agent_version"
    `);
  }
}

/**
 * `agents_admit` as before (AdmissionFunction1795520000000), its insert also writing from `$17`:
 * `agent_version`, and for a fork `forked_from_execution_id`, `forked_from_step`, `step_count`,
 * `message_count` and `state` (the fork's messages are copied in the same transaction).
 */
const ADMIT_FUNCTION = `
  CREATE OR REPLACE FUNCTION agents_admit(
    uuid, text, text, text, text, jsonb, jsonb, text, text, timestamptz, text, double precision, uuid, integer, integer, text, jsonb,
    bigint
  ) RETURNS jsonb LANGUAGE plpgsql AS $admit$
  DECLARE
    admitted jsonb;
  BEGIN
    PERFORM pg_advisory_xact_lock($18);
    WITH existing AS (
      SELECT * FROM agent_executions
      WHERE $8 IS NOT NULL AND tenant_id = $2 AND user_id = $3 AND idempotency_key = $8
    ), usage AS (
      SELECT
        (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3
           AND status IN ('pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'))::int AS concurrent,
        (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3 AND id >= $13)::int AS hourly,
        (SELECT min(created_at) FROM agent_executions WHERE tenant_id = $2 AND user_id = $3 AND id >= $13) AS oldest,
        (SELECT count(*) FROM agent_executions WHERE tenant_id = $2 AND queue = $5 AND status = 'pending')::int AS tenant_queued
    ), ins AS (
      INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, metadata, idempotency_key,
                                    scheduled_for, awaiting_event, awaiting_until, tier,
                                    conversation_id, pipeline_id, stage_index, parent_execution_id, depth, settle_pending,
                                    agent_version, forked_from_execution_id, forked_from_step, step_count, message_count, state)
      SELECT $1, $2, $3, $4, $9, $5, $6, $7, $8, $10, $11,
             CASE WHEN $12 IS NULL THEN NULL ELSE now() + make_interval(secs => $12) END, $16,
             ($17->>'conversation_id')::uuid, ($17->>'pipeline_id')::uuid, ($17->>'stage_index')::int,
             ($17->>'parent_execution_id')::uuid, COALESCE(($17->>'depth')::int, 0),
             COALESCE($17->>'conversation_id', $17->>'pipeline_id', $17->>'parent_execution_id') IS NOT NULL,
             COALESCE($17->>'agent_version', '1'), ($17->>'forked_from_execution_id')::uuid, ($17->>'forked_from_step')::int,
             COALESCE(($17->>'step_count')::int, 0), COALESCE(($17->>'message_count')::int, 0), COALESCE($17->'state', '{}'::jsonb)
      FROM usage
      WHERE NOT EXISTS (SELECT 1 FROM existing) AND usage.concurrent < $14 AND usage.hourly < $15
      RETURNING *
    )
    SELECT jsonb_build_object(
      'existing', (SELECT to_jsonb(existing) FROM existing LIMIT 1),
      'same_request', (SELECT existing.agent_type = $4 AND existing.input = $6 AND existing.metadata = $7 FROM existing LIMIT 1),
      'created', (SELECT to_jsonb(ins) FROM ins),
      'concurrent', usage.concurrent,
      'hourly', usage.hourly,
      'oldest', usage.oldest,
      'tenant_queued', usage.tenant_queued)
    INTO admitted FROM usage;
    RETURN admitted;
  END
  $admit$
`;
