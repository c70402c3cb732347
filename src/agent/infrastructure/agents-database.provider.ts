import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { openAgentsDatabase, poolOf } from './agents-database.js';

export const AGENTS_DATABASE = Symbol('AGENTS_DATABASE');

/** The library's connection to PostgreSQL: TypeORM for the schema and queries, the raw pool for the hot path. */
export class AgentsDatabase implements OnApplicationShutdown {
  readonly pool: Pool;

  constructor(readonly dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export const agentsDatabaseProvider: Provider = {
  provide: AGENTS_DATABASE,
  inject: [AGENT_OPTIONS],
  useFactory: async (options: ResolvedAgentOptions) => new AgentsDatabase(await openAgentsDatabase(options)),
};
