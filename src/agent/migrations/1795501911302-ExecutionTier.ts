import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The starter's tier on the execution: its steps run under that tier's sandbox and quota. */
export class ExecutionTier1795501911302 implements MigrationInterface {
    name = 'ExecutionTier1795501911302'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_executions"
            ADD "tier" text
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "agent_executions" DROP COLUMN "tier"
        `);
    }
}
