import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The throttler's counters with the PostgreSQL transport. UNLOGGED: no WAL on every request; after
 * a crash the table comes back empty, which only forgives the requests of the windows in flight.
 */
export class RateLimits1795510000000 implements MigrationInterface {
    name = 'RateLimits1795510000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE UNLOGGED TABLE "agent_rate_limits" (
                "key" text NOT NULL,
                "hits" integer NOT NULL,
                "window_ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "blocked_until" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_agent_rate_limits" PRIMARY KEY ("key")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "idx_agent_rate_limits_expiry" ON "agent_rate_limits" ("window_ends_at")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "agent_rate_limits"`);
    }
}
