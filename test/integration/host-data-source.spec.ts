import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, Entity, PrimaryColumn } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_ENTITIES,
  AgentManager,
  AgentModule,
  ExecutionEvents,
  getAgentDataSourceToken,
  getAgentOptionsToken,
  type AgentModuleOptions,
  type ResolvedAgentOptions,
} from '../../src/agent/index.js';
import { StepsAgent } from '../../src/demo/steps.agent.js';
import { principal, UNLIMITED_TEST_TIER, waitForStatus } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

/** The host's own entity (its table made by the test: the host's schema is its own business). */
@Entity('host_things')
class HostThing {
  @PrimaryColumn('text')
  id: string;
}

describe('a host’s own TypeOrmModule DataSource handed to the library', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql.query('CREATE TABLE host_things (id text PRIMARY KEY)');
  });

  afterAll(async () => {
    await db?.drop();
  });

  const boot = async (
    database: (dataSource: DataSource) => AgentModuleOptions['database'],
    entities: unknown[] = [HostThing, ...AGENT_ENTITIES],
  ): Promise<INestApplication> => {
    @Module({ providers: [StepsAgent] })
    class HostAgents {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: db.url, entities: entities as never, applicationName: 'the-host' }),
        TypeOrmModule.forFeature([HostThing]),
        HostAgents,
        AgentModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            database: database(dataSource),
            transport: 'postgres',
            queuePrefix: uniquePrefix(),
            maintenance: { enabled: false },
            tiers: UNLIMITED_TEST_TIER,
            resolvePrincipal: () => principal(),
          }),
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    await app.init();
    return app;
  };

  const applications = async () =>
    (
      await db.sql.query<{ application_name: string }>(
        `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-%' ORDER BY 1`,
      )
    ).rows.map((r) => r.application_name);

  it.each([
    ['database.dataSource', (dataSource: DataSource) => ({ dataSource })],
    ['database.connectionName', () => ({ connectionName: 'default' })],
  ])('runs executions on the host’s one pool when given %s, and leaves the host’s entities to it', async (_, database) => {
    const app = await boot(database);
    try {
      const host = app.get(DataSource);
      expect(app.get(getAgentDataSourceToken())).toBe(host);
      expect(app.get<ResolvedAgentOptions>(getAgentOptionsToken()).database.url).toBeNull();

      const manager = app.get(AgentManager);
      const { id } = await manager.start(principal(), 'steps', { steps: 3 });
      expect(await waitForStatus({ events: app.get(ExecutionEvents) }, db, id, ['completed'])).toMatchObject({ step_count: 3 });

      await host.getRepository(HostThing).save({ id: `thing-${id}` });
      expect(await host.getRepository(HostThing).countBy({ id: `thing-${id}` })).toBe(1);
      // The host's pool and the library's LISTEN connections: no pool of the library's own ('nestjs-agents').
      expect(await applications()).not.toContain('nestjs-agents');
      expect(await applications()).toContain('the-host');
    } finally {
      await app.close();
    }
  });

  it('refuses at boot a DataSource without the library’s entities, saying what to add', async () => {
    await expect(boot((dataSource) => ({ dataSource }), [HostThing])).rejects.toThrow(/AgentExecutionEntity.*add AGENT_ENTITIES/s);
  });
});
