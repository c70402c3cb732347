import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Usage records (one per model call), budgets set by admins, and the monthly ledger budgets are checked against. */
export class Billing1795506369780 implements MigrationInterface {
    name = 'Billing1795506369780'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "agent_budgets" (
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "monthly_tokens" bigint,
                "monthly_usd" numeric(14, 6),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5cddc4ccd7b1f67358839ec004d" PRIMARY KEY ("tenant_id", "user_id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "agent_budget_ledger" (
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "period" date NOT NULL,
                "spent_tokens" bigint NOT NULL DEFAULT '0',
                "spent_usd" numeric(14, 6) NOT NULL DEFAULT '0',
                "reserved_tokens" bigint NOT NULL DEFAULT '0',
                "reserved_usd" numeric(14, 6) NOT NULL DEFAULT '0',
                "limit_tokens" bigint,
                "limit_usd" numeric(14, 6),
                CONSTRAINT "PK_5386f98516aead171a4e79a2d84" PRIMARY KEY ("tenant_id", "user_id", "period")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "token_usage_records" (
                "id" BIGSERIAL NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "execution_id" uuid,
                "model" text NOT NULL,
                "input_tokens" integer NOT NULL,
                "output_tokens" integer NOT NULL,
                "cost_usd" numeric(14, 6) NOT NULL,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5b35029d22ece442b691200936c" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_token_usage_tenant_recorded" ON "token_usage_records" ("tenant_id", "recorded_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_token_usage_owner_recorded" ON "token_usage_records" ("tenant_id", "user_id", "recorded_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_token_usage_execution" ON "token_usage_records" ("execution_id")
            WHERE execution_id IS NOT NULL
        `);
        await queryRunner.query(`
            ALTER TABLE "token_usage_records"
            ADD CONSTRAINT "FK_a14a5a8dcbbc43f2c3b6583eeb6" FOREIGN KEY ("execution_id") REFERENCES "agent_executions"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "agent_executions"
            ADD "budget_reservation" jsonb
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_executions" DROP COLUMN "budget_reservation"
        `);
        await queryRunner.query(`
            ALTER TABLE "token_usage_records" DROP CONSTRAINT "FK_a14a5a8dcbbc43f2c3b6583eeb6"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_token_usage_execution"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_token_usage_owner_recorded"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."idx_token_usage_tenant_recorded"
        `);
        await queryRunner.query(`
            DROP TABLE "token_usage_records"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_budget_ledger"
        `);
        await queryRunner.query(`
            DROP TABLE "agent_budgets"
        `);
    }

}
