import type { MigrationInterface, QueryRunner } from 'typeorm';
import { VersionsAndForks1795530000000 } from './1795530000000-VersionsAndForks.js';

/**
 * Concurrency keys.
 *
 * - `agent_executions.concurrency_key` / `concurrency_limit`: a start may name a key (a customer, a
 *   document) and how many executions with it may run at once; the others wait as `scheduled` with
 *   no time (no job, no worker) and are released oldest first as holders end.
 * - An index for the holders and the queue of one key.
 * - `agents_admit` writes the key and its limit from its `links` argument.
 */
export class ConcurrencyKeys1795540000000 implements MigrationInterface {
  name = 'ConcurrencyKeys1795540000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agent_executions" ADD "concurrency_key" text, ADD "concurrency_limit" integer`);
    await queryRunner.query(`
      CREATE INDEX "idx_agent_executions_concurrency_key" ON "agent_executions" ("tenant_id", "concurrency_key", "created_at")
        WHERE concurrency_key IS NOT NULL
    `);
    await queryRunner.query(ADMIT_FUNCTION);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The function of the migration before (its body writes no key).
    const previous = new VersionsAndForks1795530000000();
    await queryRunner.query(`DROP INDEX "idx_agent_executions_concurrency_key"`);
    await queryRunner.query(`ALTER TABLE "agent_executions" DROP COLUMN "concurrency_limit", DROP COLUMN "concurrency_key"`);
    await previous.restoreAdmitFunction(queryRunner);
  }
}

/**
 * `agents_admit` as in VersionsAndForks1795530000000, its insert also writing the concurrency key and limit
 * from `$17`; a keyed row owes a settlement when it ends (the release of the next one waiting).
 * BoundedTenantQueue1795600000000 derives its own from it, and restores it on the way down.
 */
export const ADMIT_FUNCTION = `
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
                                    agent_version, forked_from_execution_id, forked_from_step, step_count, message_count, state,
                                    concurrency_key, concurrency_limit)
      SELECT $1, $2, $3, $4, $9, $5, $6, $7, $8, $10, $11,
             CASE WHEN $12 IS NULL THEN NULL ELSE now() + make_interval(secs => $12) END, $16,
             ($17->>'conversation_id')::uuid, ($17->>'pipeline_id')::uuid, ($17->>'stage_index')::int,
             ($17->>'parent_execution_id')::uuid, COALESCE(($17->>'depth')::int, 0),
             COALESCE($17->>'conversation_id', $17->>'pipeline_id', $17->>'parent_execution_id', $17->>'concurrency_key') IS NOT NULL,
             COALESCE($17->>'agent_version', '1'), ($17->>'forked_from_execution_id')::uuid, ($17->>'forked_from_step')::int,
             COALESCE(($17->>'step_count')::int, 0), COALESCE(($17->>'message_count')::int, 0), COALESCE($17->'state', '{}'::jsonb),
             $17->>'concurrency_key', ($17->>'concurrency_limit')::int
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
