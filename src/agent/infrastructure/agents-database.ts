import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { AGENT_MIGRATIONS_TABLE, MIGRATION_LOCK_KEY } from '../migrations/agent-migrations-table.js';
import { AGENT_MIGRATIONS } from '../migrations/agent-migrations.js';
import { AGENT_ENTITIES } from './agent-entities.js';

/** The library's own DataSource (its own pool), so it never depends on how the host app uses TypeORM. */
export async function openAgentsDatabase(options: ResolvedAgentOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.database.url,
    entities: AGENT_ENTITIES,
    migrations: AGENT_MIGRATIONS,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
    synchronize: false,
    logging: options.database.logging,
    poolSize: options.database.poolSize,
    applicationName: 'nestjs-agents',
  });
  await dataSource.initialize();
  if (options.database.runMigrations) await runMigrationsUnderLock(dataSource);
  return dataSource;
}

/**
 * Replicas booting together queue up on the advisory lock; the first migrates, the rest find nothing
 * to do. The migrations run on the connection that holds the lock: each one takes the same lock
 * again for its transaction (`recordedOnce`), which only that connection may do without waiting.
 */
export async function runMigrationsUnderLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    if (applied.length > 0) new Logger('AgentsDatabase').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** The `pg` pool under the DataSource: the hot path talks to it directly, in one round trip. */
export const poolOf = (dataSource: DataSource): Pool => (dataSource.driver as unknown as { master: Pool }).master;
