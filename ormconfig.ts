import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AGENT_ENTITIES, AGENT_MIGRATIONS, AGENT_MIGRATIONS_TABLE } from 'nestjs-agents';

/**
 * The DataSource of the TypeORM migration CLI (`npm run migration:generate|run`): the same
 * migrations table as boot and `npm run migrate`, so any of them finds the others' work done.
 */
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agents',
  entities: AGENT_ENTITIES,
  migrations: AGENT_MIGRATIONS,
  migrationsTableName: AGENT_MIGRATIONS_TABLE,
  synchronize: false,
});
