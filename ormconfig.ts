import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AGENT_ENTITIES, AGENT_MIGRATIONS } from 'nestjs-agents';

/** The DataSource of the TypeORM migration CLI (`npm run migration:generate|run`). */
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agents',
  entities: AGENT_ENTITIES,
  migrations: AGENT_MIGRATIONS,
  synchronize: false,
});
