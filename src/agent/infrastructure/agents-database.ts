import { Logger } from '@nestjs/common';
import type { ClientConfig } from 'pg';
import { DataSource, MigrationExecutor } from 'typeorm';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { AGENT_MIGRATIONS_TABLE, MIGRATION_LOCK_KEY } from '../migrations/agent-migrations-table.js';
import type { AgentSchema } from './agent-schema.js';
import type { OpenConnections } from './open-connections.js';

/**
 * The library's own DataSource (its own pool), for a host that hands it none. `connections` learns
 * of every connection the pool opens, so closing can wait until they are gone.
 */
export async function openAgentsDatabase(
  options: ResolvedInfrastructureOptions,
  schema: AgentSchema,
  connections: OpenConnections,
): Promise<DataSource> {
  const logger = new Logger('AgentsDatabase');
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.database.url!,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
    synchronize: false,
    logging: options.database.logging,
    poolSize: options.database.poolSize,
    applicationName: 'nestjs-agents',
    // NOTE: an idle connection the server closed (a restart, pg_terminate_backend) is dropped by the
    // pool and reported here: a pool's 'error' event with no listener ends the process. TypeORM 1.x
    // has a default (a warning through its own logger, silent with logging off); this one is in the app's log.
    poolErrorHandler: (error: Error) =>
      logger.warn(`An idle pooled connection was closed (${error.message}); the pool opens another when needed`),
    extra: { onConnect: connections.track },
  });
  await dataSource.initialize();
  try {
    if (options.database.runMigrations) await runMigrationsUnderLock(dataSource);
  } catch (error) {
    // A boot that fails here leaves no provider to close the pool at shutdown: it closes now.
    await dataSource.destroy().catch(() => undefined);
    await connections.ended();
    throw error;
  }
  return dataSource;
}

/**
 * The library's migrations on a host's database: a short-lived DataSource with the host's
 * connection settings and the library's migrations and table (the host's own DataSource keeps
 * its migrations and table), closed once they ran.
 */
export async function migrateHostDatabase(host: DataSource, schema: AgentSchema): Promise<void> {
  const migrations = new DataSource({
    ...(host.options as ConstructorParameters<typeof DataSource>[0] & { type: 'postgres' }),
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    poolSize: 1,
  });
  await migrations.initialize();
  try {
    await runMigrationsUnderLock(migrations);
  } finally {
    await migrations.destroy();
  }
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

/**
 * The settings of the connections the library keeps apart from the pool (LISTEN, the PostgreSQL
 * queue backend), read from the DataSource's public options.
 */
export function connectionConfigOf(dataSource: DataSource): ClientConfig {
  const o = dataSource.options as {
    url?: string;
    host?: string;
    port?: number;
    username?: string;
    password?: string | (() => string | Promise<string>);
    database?: string;
    ssl?: ClientConfig['ssl'];
  };
  return {
    ...(o.url ? { connectionString: o.url } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.port ? { port: o.port } : {}),
    ...(o.username ? { user: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
    ...(o.database ? { database: o.database } : {}),
    ...(o.ssl ? { ssl: o.ssl } : {}),
  };
}
