import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The token deltas chat streams replay on a resume, with the PostgreSQL transport. UNLOGGED: no WAL
 * per token; after a crash the table comes back empty, which only loses the replay of turns in flight.
 */
export class ChatTokens1795570000000 implements MigrationInterface {
    name = 'ChatTokens1795570000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE UNLOGGED TABLE "agent_chat_tokens" (
                "id" BIGSERIAL NOT NULL,
                "execution_id" uuid NOT NULL,
                "seq" bigint NOT NULL,
                "step" integer NOT NULL,
                "epoch" integer NOT NULL,
                "idx" integer NOT NULL,
                "text" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_agent_chat_tokens" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_chat_tokens_execution" ON "agent_chat_tokens" ("execution_id", "id")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_chat_tokens_created" ON "agent_chat_tokens" ("created_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "agent_chat_tokens"`);
    }
}
