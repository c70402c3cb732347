import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AGENT_ENTITIES, AGENT_MIGRATIONS, AGENT_MIGRATIONS_TABLE, runMigrationsUnderLock } from 'nestjs-agents';
import { bootConfig } from './host/boot.js';

/**
 * Applies the library's migrations and exits (`npm run migrate`): a deployment's one-shot step
 * before API nodes and workers start with `AGENTS_MIGRATIONS=off`. Safe to run twice at once
 * (an advisory lock), and a no-op when nothing is pending.
 */
async function main(): Promise<number> {
  const logger = new Logger('Migrate');
  const config = await bootConfig(logger, { workers: false, maintenance: false, jwtSecretIsDefault: false });
  const dataSource = new DataSource({
    type: 'postgres',
    url: config.databaseUrl,
    entities: AGENT_ENTITIES,
    migrations: AGENT_MIGRATIONS,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
    synchronize: false,
  });
  try {
    await dataSource.initialize();
    await runMigrationsUnderLock(dataSource);
    logger.log('Migrations are up to date');
    return 0;
  } catch (error) {
    logger.error(`Migrating failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await config.embedded?.stop();
  }
}

void main().then((code) => process.exit(code));
