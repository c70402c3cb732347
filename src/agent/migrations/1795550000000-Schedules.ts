import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Recurring schedules: one row per schedule, its next tick the claim that keeps nodes apart. */
export class Schedules1795550000000 implements MigrationInterface {
    name = 'Schedules1795550000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "agent_schedules" (
                "id" uuid NOT NULL,
                "tenant_id" text NOT NULL,
                "user_id" text NOT NULL,
                "tier" text NOT NULL,
                "roles" jsonb NOT NULL DEFAULT '[]',
                "agent_type" text NOT NULL,
                "input" jsonb NOT NULL,
                "queue" text,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "hooks" jsonb NOT NULL DEFAULT '[]',
                "cron" text NOT NULL,
                "time_zone" text NOT NULL,
                "status" text NOT NULL,
                "next_run_at" TIMESTAMP WITH TIME ZONE,
                "last_tick_at" TIMESTAMP WITH TIME ZONE,
                "last_run_at" TIMESTAMP WITH TIME ZONE,
                "last_execution_id" uuid,
                "last_error" jsonb,
                "run_count" integer NOT NULL DEFAULT 0,
                "refused_count" integer NOT NULL DEFAULT 0,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_agent_schedules" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`CREATE INDEX "idx_agent_schedules_owner" ON "agent_schedules" ("tenant_id", "user_id", "id")`);
        await queryRunner.query(`CREATE INDEX "idx_agent_schedules_due" ON "agent_schedules" ("next_run_at") WHERE status = 'active'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "agent_schedules"`);
    }
}
