import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Event waits with a deadline, the per-execution event inbox, webhook delivery dedupe (SPEC §5). */
export class EventsAndWebhooks1795499284171 implements MigrationInterface {
    name = 'EventsAndWebhooks1795499284171'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "agent_event_inbox" (
                "id" BIGSERIAL NOT NULL,
                "execution_id" uuid NOT NULL,
                "event_type" text NOT NULL,
                "payload" jsonb,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "consumed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2dab07c319c8793fb35d00efc21" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_event_inbox_expires" ON "agent_event_inbox" ("expires_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_event_inbox_pending" ON "agent_event_inbox" ("execution_id", "event_type", "id")
            WHERE consumed_at IS NULL
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_webhook_deliveries" (
                "tenant_id" text NOT NULL,
                "delivery_id" text NOT NULL,
                "result" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5d77e8a4d93287207b125b16e09" PRIMARY KEY ("tenant_id", "delivery_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_webhook_deliveries_created" ON "agent_webhook_deliveries" ("created_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions"
            ADD "awaiting_until" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_event_inbox"
            ADD CONSTRAINT "FK_91d0d1c511e2c1036e51e7f6c82" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_event_inbox" DROP CONSTRAINT "FK_91d0d1c511e2c1036e51e7f6c82"
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions" DROP COLUMN "awaiting_until"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_webhook_deliveries_created"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_webhook_deliveries"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_event_inbox_pending"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_event_inbox_expires"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_event_inbox"
        `);
    }

}
