import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Executions, their append-only messages, logs and signals (SPEC §3). */
export class InitialSchema1795496268794 implements MigrationInterface {
  name = 'InitialSchema1795496268794';

    async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "agent_executions" (
                "id" uuid NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "agent_type" text NOT NULL,
                "status" text NOT NULL,
                "queue" text NOT NULL,
                "input" jsonb NOT NULL,
                "output" jsonb,
                "state" jsonb NOT NULL DEFAULT '{}',
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "error" jsonb,
                "step_count" integer NOT NULL DEFAULT '0',
                "message_count" integer NOT NULL DEFAULT '0',
                "input_tokens" bigint NOT NULL DEFAULT '0',
                "output_tokens" bigint NOT NULL DEFAULT '0',
                "token_usage" bigint NOT NULL DEFAULT '0',
                "cost_usd" numeric(14, 6) NOT NULL DEFAULT '0',
                "priority" integer NOT NULL DEFAULT '0',
                "idempotency_key" text,
                "awaiting_event" text,
                "scheduled_for" TIMESTAMP WITH TIME ZONE,
                "conversation_id" uuid,
                "pipeline_id" uuid,
                "stage_index" integer,
                "parent_execution_id" uuid,
                "depth" integer NOT NULL DEFAULT '0',
                "lease_epoch" integer NOT NULL DEFAULT '0',
                "lease_owner" text,
                "lease_heartbeat_at" TIMESTAMP WITH TIME ZONE,
                "started_at" TIMESTAMP WITH TIME ZONE,
                "paused_at" TIMESTAMP WITH TIME ZONE,
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_1be5b595730621debe308ad2c6d" PRIMARY KEY ("id")
            )
        `);
        // NOTE: each step updates its execution row without touching an indexed column, so with
        // free space on the page the update is HOT: no index growth per step (DESIGN rule 5).
        await queryRunner.query(`ALTER TABLE "agent_executions" SET (fillfactor = 70)`);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_agent_executions_idempotency" ON "agent_executions" ("tenant_id", "user_id", "idempotency_key")
            WHERE idempotency_key IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_status_event" ON "agent_executions" ("status", "awaiting_event")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_status_updated" ON "agent_executions" ("status", "updated_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_owner_id" ON "agent_executions" ("tenant_id", "user_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_owner_status" ON "agent_executions" ("tenant_id", "user_id", "status")
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_logs" (
                "id" BIGSERIAL NOT NULL,
                "execution_id" uuid NOT NULL,
                "step_number" integer,
                "level" text NOT NULL,
                "event_type" text NOT NULL,
                "message" text NOT NULL,
                "context" jsonb NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2cc52efab0f963454d7006a6981" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_logs_created" ON "agent_logs" ("created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_logs_execution_id" ON "agent_logs" ("execution_id", "id")
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_messages" (
                "id" BIGSERIAL NOT NULL,
                "execution_id" uuid NOT NULL,
                "conversation_id" uuid,
                "seq" integer NOT NULL,
                "role" text NOT NULL,
                "content" jsonb NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_8c7cdeda30e81dba421925df4fe" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_messages_conversation" ON "agent_messages" ("conversation_id", "id")
            WHERE conversation_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_agent_messages_execution_seq" ON "agent_messages" ("execution_id", "seq")
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_signals" (
                "id" BIGSERIAL NOT NULL,
                "execution_id" uuid NOT NULL,
                "signal_type" text NOT NULL,
                "payload" jsonb,
                "processed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_f6ad4af9242c1ccad893f2b9ce8" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_signals_unprocessed" ON "agent_signals" ("execution_id", "id")
            WHERE processed_at IS NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_logs"
            ADD CONSTRAINT "FK_43331c4b0d1b447238ab18f7541" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_messages"
            ADD CONSTRAINT "FK_3af94f9b547e72d375714a6ed08" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_signals"
            ADD CONSTRAINT "FK_6939743b4f9b06250104c747cff" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_signals" DROP CONSTRAINT "FK_6939743b4f9b06250104c747cff"
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_messages" DROP CONSTRAINT "FK_3af94f9b547e72d375714a6ed08"
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_logs" DROP CONSTRAINT "FK_43331c4b0d1b447238ab18f7541"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_signals_unprocessed"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_signals"
        `);
        await queryRunner.query(`
            DROP INDEX "uq_agent_messages_execution_seq"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_messages_conversation"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_messages"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_logs_execution_id"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_logs_created"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_logs"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_executions_owner_status"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_executions_owner_id"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_executions_status_updated"
        `);
        await queryRunner.query(`
            DROP INDEX "idx_agent_executions_status_event"
        `);
        await queryRunner.query(`
            DROP INDEX "uq_agent_executions_idempotency"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_executions"
        `);
    }
}
