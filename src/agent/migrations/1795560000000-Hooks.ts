import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox trigger's function, as this migration created it (a later one replaces it). */
export const HOOK_OUTBOX_FUNCTION = `
            CREATE FUNCTION agents_hook_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
              hook_event text := 'execution.' || NEW.status;
            BEGIN
              INSERT INTO agent_hook_deliveries (id, execution_id, tenant_id, user_id, event, url, payload)
              SELECT d.id, NEW.id, NEW.tenant_id, NEW.user_id, hook_event, h->>'url',
                     jsonb_build_object(
                       'id', d.id,
                       'type', hook_event,
                       'timestamp', now(),
                       'data', jsonb_build_object(
                         'execution_id', NEW.id, 'agent_type', NEW.agent_type, 'user_id', NEW.user_id,
                         'status', NEW.status, 'output', NEW.output, 'error', NEW.error,
                         'step_count', NEW.step_count, 'metadata', NEW.metadata, 'completed_at', NEW.completed_at))
              FROM jsonb_array_elements(NEW.hooks) AS h, LATERAL (SELECT gen_random_uuid() AS id) AS d
              WHERE NOT (h ? 'events') OR (h->'events') ? hook_event;
              RETURN NULL;
            END $$
        `;

/**
 * Outbound hooks. An execution's hooks are stored on its row; a trigger writes one delivery row
 * per hook in the same transaction as each status change that owes a callback (completed, failed,
 * awaiting_input), whatever statement made it (a step commit, a batch of them, a cancel): the
 * outbox, which a crash cannot lose.
 */
export class Hooks1795560000000 implements MigrationInterface {
    name = 'Hooks1795560000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "agent_executions" ADD "hooks" jsonb`);
        await queryRunner.query(`
            CREATE TABLE "agent_hook_deliveries" (
                "id" uuid NOT NULL,
                "execution_id" uuid NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "event" text NOT NULL,
                "url" text NOT NULL,
                "payload" jsonb NOT NULL,
                "status" text NOT NULL DEFAULT 'pending',
                "attempts" integer NOT NULL DEFAULT 0,
                "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_status_code" integer,
                "last_error" text,
                "attempt_log" jsonb NOT NULL DEFAULT '[]',
                "delivered_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_agent_hook_deliveries" PRIMARY KEY ("id"),
                CONSTRAINT "FK_agent_hook_deliveries_execution" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE CASCADE
            )
        `);
        await queryRunner.query(`CREATE INDEX "idx_agent_hook_deliveries_execution" ON "agent_hook_deliveries" ("execution_id", "created_at")`);
        await queryRunner.query(
            `CREATE INDEX "idx_agent_hook_deliveries_due" ON "agent_hook_deliveries" ("next_attempt_at") WHERE status = 'pending'`,
        );
        await queryRunner.query(HOOK_OUTBOX_FUNCTION);
        await queryRunner.query(`
            CREATE TRIGGER agents_hook_outbox AFTER UPDATE OF status ON agent_executions FOR EACH ROW
            WHEN (NEW.hooks IS NOT NULL AND NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('completed', 'failed', 'awaiting_input'))
            EXECUTE FUNCTION agents_hook_outbox()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER agents_hook_outbox ON agent_executions`);
        await queryRunner.query(`DROP FUNCTION agents_hook_outbox()`);
        await queryRunner.query(`DROP TABLE "agent_hook_deliveries"`);
        await queryRunner.query(`ALTER TABLE "agent_executions" DROP COLUMN "hooks"`);
    }
}
