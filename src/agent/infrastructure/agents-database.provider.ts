import { Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { AGENT_OPTIONS } from './agent-options.token.js';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { AGENT_SCHEMA, type AgentSchema } from './agent-schema.js';
import { connectionConfigOf, migrateHostDatabase, openAgentsDatabase } from './agents-database.js';
import { OpenConnections } from './open-connections.js';
import { sqlPoolOf, type SqlPool } from './sql-pool.js';

export const AGENTS_DATABASE = Symbol('AGENTS_DATABASE');
/** The TypeORM DataSource the library uses (its own or the host's): `@InjectAgentDataSource()`. */
export const AGENT_DATA_SOURCE = Symbol('AGENT_DATA_SOURCE');

/**
 * The library's connection to PostgreSQL: TypeORM for the schema and queries, its pool for the hot
 * path. Either the library's own DataSource, or one of the host's (one pool serves both), which
 * the host keeps and closes.
 */
export class AgentsDatabase implements OnApplicationShutdown {
  readonly pool: SqlPool;
  /** For the connections kept apart from the pool (LISTEN, the PostgreSQL queue backend). */
  readonly connectionConfig: ClientConfig;

  /** `ownConnections`: the connections of the library's own DataSource; null for the host's. */
  constructor(
    readonly dataSource: DataSource,
    private readonly ownConnections: OpenConnections | null,
  ) {
    this.pool = sqlPoolOf(dataSource);
    this.connectionConfig = connectionConfigOf(dataSource);
  }

  /** Once this resolves, no connection of the library's own pool is left on the server. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.ownConnections) return;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.ownConnections.ended();
  }
}

export class InvalidHostDataSourceError extends Error {
  constructor(problem: string) {
    super(`AgentModule cannot use the DataSource it was given: ${problem}`);
    this.name = 'InvalidHostDataSourceError';
  }
}

/** The host's DataSource, checked: PostgreSQL, initialized, and the library's entities among its own. */
function checkedHostDataSource(dataSource: DataSource, schema: AgentSchema): DataSource {
  if (dataSource.options.type !== 'postgres')
    throw new InvalidHostDataSourceError(`it is '${dataSource.options.type}'; the library needs PostgreSQL`);
  if (!dataSource.isInitialized)
    throw new InvalidHostDataSourceError('it is not initialized (hand the one TypeOrmModule provides, or call initialize() first)');
  const missing = schema.entities.filter((entity) => !dataSource.hasMetadata(entity)).map((entity) => entity.name);
  if (missing.length > 0) {
    throw new InvalidHostDataSourceError(
      `its entities lack ${missing.join(', ')}: add AGENT_ENTITIES to them (TypeOrmModule.forRoot({ entities: [...yours, ...AGENT_ENTITIES] }), or autoLoadEntities with TypeOrmModule.forFeature(AGENT_ENTITIES))`,
    );
  }
  return dataSource;
}

/** `database.dataSource`, or the `TypeOrmModule` connection named `database.connectionName`. */
function hostDataSource(options: ResolvedInfrastructureOptions, moduleRef: ModuleRef): DataSource | null {
  if (options.database.dataSource) return options.database.dataSource;
  if (options.database.connectionName === null) return null;
  const name = options.database.connectionName;
  try {
    return moduleRef.get<DataSource>(getDataSourceToken(name === 'default' ? undefined : name), { strict: false });
  } catch {
    throw new InvalidHostDataSourceError(
      `no TypeOrmModule connection named '${name}' (import TypeOrmModule.forRoot(${name === 'default' ? '' : `{ name: '${name}', ... }`}) in the app)`,
    );
  }
}

export const agentsDatabaseProvider: Provider = {
  provide: AGENTS_DATABASE,
  inject: [AGENT_OPTIONS, AGENT_SCHEMA, ModuleRef],
  useFactory: async (options: ResolvedInfrastructureOptions, schema: AgentSchema, moduleRef: ModuleRef) => {
    const host = hostDataSource(options, moduleRef);
    if (!host) {
      const connections = new OpenConnections('pooled');
      return new AgentsDatabase(await openAgentsDatabase(options, schema, connections), connections);
    }
    checkedHostDataSource(host, schema);
    if (options.database.runMigrations) await migrateHostDatabase(host, schema);
    new Logger('AgentsDatabase').log("Using the host's DataSource: one pool for the app and the library");
    return new AgentsDatabase(host, null);
  },
};

export const agentDataSourceProvider: Provider = {
  provide: AGENT_DATA_SOURCE,
  inject: [AGENTS_DATABASE],
  useFactory: (database: AgentsDatabase) => database.dataSource,
};
