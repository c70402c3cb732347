import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A start's admission in one round trip: `agents_admit` takes the user's advisory lock and then
 * runs the admission (the idempotency key, the user's concurrent and last-hour counts, the insert)
 * as a statement of its own, so it reads what every earlier holder of the lock committed (each
 * statement of a PL/pgSQL function takes a new snapshot under READ COMMITTED): as exact as taking
 * the lock in one statement and admitting in the next, without the round trips between them, and
 * with the lock held only while the function runs. Parameters: those of `ADMIT_SQL`, then $18 the
 * lock key. Answers one jsonb `{ existing, same_request, created, concurrent, hourly, oldest,
 * tenant_queued }`.
 */
export class AdmissionFunction1795520000000 implements MigrationInterface {
  name = 'AdmissionFunction1795520000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
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
                                        conversation_id, pipeline_id, stage_index, parent_execution_id, depth, settle_pending)
          SELECT $1, $2, $3, $4, $9, $5, $6, $7, $8, $10, $11,
                 CASE WHEN $12 IS NULL THEN NULL ELSE now() + make_interval(secs => $12) END, $16,
                 ($17->>'conversation_id')::uuid, ($17->>'pipeline_id')::uuid, ($17->>'stage_index')::int,
                 ($17->>'parent_execution_id')::uuid, COALESCE(($17->>'depth')::int, 0),
                 COALESCE($17->>'conversation_id', $17->>'pipeline_id', $17->>'parent_execution_id') IS NOT NULL
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
    `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP FUNCTION IF EXISTS agents_admit(
        uuid, text, text, text, text, jsonb, jsonb, text, text, timestamptz, text, double precision, uuid, integer, integer, text, jsonb,
        bigint
      )
    `);
  }
}
