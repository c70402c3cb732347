import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations and pipelines, and the `settle_pending` flag: a linked execution whose end still
 * owes its consequences (conversation append, pipeline advance, parent wake-up, children cancel).
 */
export class ConversationsPipelinesSubagents1795505407694 implements MigrationInterface {
    name = 'ConversationsPipelinesSubagents1795505407694'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "agent_conversations" (
                "id" uuid NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "agent_type" text NOT NULL,
                "title" text,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "turn_count" integer NOT NULL DEFAULT '0',
                "total_tokens" bigint NOT NULL DEFAULT '0',
                "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_2680ac7af80219a718cf98a1d21" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_conversations_owner_activity" ON "agent_conversations" ("tenant_id", "user_id", "last_activity_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_pipelines" (
                "id" uuid NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "status" text NOT NULL,
                "stages" jsonb NOT NULL,
                "initial_input" jsonb NOT NULL,
                "stage_outputs" jsonb NOT NULL DEFAULT '{}',
                "current_stage" integer NOT NULL DEFAULT '0',
                "output" jsonb,
                "error" jsonb,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "completed_at" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_57ebee9360838c95fc62e59c368" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_pipelines_owner" ON "agent_pipelines" ("tenant_id", "user_id", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions"
            ADD "settle_pending" boolean NOT NULL DEFAULT false
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_parent" ON "agent_executions" ("parent_execution_id")
            WHERE parent_execution_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_pipeline" ON "agent_executions" ("pipeline_id", "stage_index")
            WHERE pipeline_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_conversation" ON "agent_executions" ("conversation_id", "id")
            WHERE conversation_id IS NOT NULL
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_executions_settle_pending" ON "agent_executions" ("id")
            WHERE settle_pending
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions"
            ADD CONSTRAINT "FK_3932572ba0cb075d76bf1770469" FOREIGN KEY ("conversation_id") REFERENCES "agent_conversations"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_executions" DROP CONSTRAINT "FK_3932572ba0cb075d76bf1770469"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_executions_settle_pending"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_executions_conversation"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_executions_pipeline"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_executions_parent"
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions" DROP COLUMN "settle_pending"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_pipelines_owner"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_pipelines"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_agent_conversations_owner_activity"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_conversations"
        `);
    }

}
