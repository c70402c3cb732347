import type { MigrationInterface, QueryRunner } from 'typeorm';

const LIVE = `('scheduled', 'pending', 'running', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children')`;

/**
 * Fewer index entries for each change of an execution's status. A status change (a wake, a lease,
 * an ending) cannot be a HOT update, so it writes one entry in every index of `agent_executions`
 * whose predicate the new row meets; a wake of 10,000 wrote ten per row. Three of those indexes
 * held rows they never serve:
 *
 * - `(status, awaiting_event)` held every row for the one status that has an event: now
 *   `(tenant_id, awaiting_event)` of the rows that wait for one (a trigger's own key).
 * - `(tenant_id, status, updated_at)` of live rows repeated `(tenant_id, status, id)` for them: the
 *   dashboard's live counts and stuck list read `(tenant_id, status, id)` (few rows per status).
 * - `(tenant_id, user_id, status)` held ended rows that only the admission's count of live ones
 *   reads past: now live rows only (a user's list filtered by status reads `(tenant_id, user_id, id)`).
 *
 * NOTE: plain `CREATE INDEX` (a migration runs in a transaction): on a large table, writes wait while
 * they build. Build them `CONCURRENTLY` by hand first, under these names, to avoid that: `IF NOT
 * EXISTS` keeps them.
 */
export class LeanerExecutionIndexes1795620000000 implements MigrationInterface {
  name = 'LeanerExecutionIndexes1795620000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS "idx_agent_executions_awaiting_event" ON "agent_executions" ("tenant_id", "awaiting_event")
        WHERE status = 'awaiting_event'
    `);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS "idx_agent_executions_owner_live" ON "agent_executions" ("tenant_id", "user_id", "status")
        WHERE status IN ${LIVE}
    `);
    await queryRunner.query(`DROP INDEX IF EXISTS "idx_agent_executions_status_event"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "idx_agent_executions_tenant_live"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "idx_agent_executions_owner_status"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "idx_agent_executions_owner_status" ON "agent_executions" ("tenant_id", "user_id", "status")`);
    await queryRunner.query(`
      CREATE INDEX "idx_agent_executions_tenant_live" ON "agent_executions" ("tenant_id", "status", "updated_at")
        WHERE status IN ${LIVE}
    `);
    await queryRunner.query(`CREATE INDEX "idx_agent_executions_status_event" ON "agent_executions" ("status", "awaiting_event")`);
    await queryRunner.query(`DROP INDEX "idx_agent_executions_owner_live"`);
    await queryRunner.query(`DROP INDEX "idx_agent_executions_awaiting_event"`);
  }
}
