import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { AGENT_MIGRATIONS, AGENT_MIGRATIONS_TABLE } from '../../src/agent/index.js';
import { InitialSchema1795496268794 } from '../../src/agent/migrations/1795496268794-InitialSchema.js';
import { EventsAndWebhooks1795499284171 } from '../../src/agent/migrations/1795499284171-EventsAndWebhooks.js';
import { ExecutionTier1795501911302 } from '../../src/agent/migrations/1795501911302-ExecutionTier.js';
import { ConversationsPipelinesSubagents1795505407694 } from '../../src/agent/migrations/1795505407694-ConversationsPipelinesSubagents.js';
import { Billing1795506369780 } from '../../src/agent/migrations/1795506369780-Billing.js';
import { startTestApp, type TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';
import { uniquePrefix } from './test-database.js';

const run = promisify(execFile);

/** Every way a database gets the library's schema; each applies what is pending at `url`. */
export type MigrationPath = (url: string) => Promise<void>;

/** A host's own migration, kept in the host's own table next to the library's. */
export class HostNotes1790000000000 implements MigrationInterface {
  name = 'HostNotes1790000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "host_notes" ("id" serial PRIMARY KEY, "text" text NOT NULL)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "host_notes"`);
  }
}

export const HOST_TABLE = 'app_migrations';

/** The library's migrations as older releases shipped them: not idempotent, in TypeORM's default `migrations` table. */
export const LEGACY_MIGRATIONS: Function[] = [
  InitialSchema1795496268794,
  EventsAndWebhooks1795499284171,
  ExecutionTier1795501911302,
  ConversationsPipelinesSubagents1795505407694,
  Billing1795506369780,
];

/** A DataSource as a host writes it for its TypeORM CLI (which runs everything in one transaction). */
export function hostDataSource(url: string, extra: { migrations?: Function[]; migrationsTableName?: string } = {}): DataSource {
  return new DataSource({ type: 'postgres', url, migrations: AGENT_MIGRATIONS, migrationsTableName: AGENT_MIGRATIONS_TABLE, ...extra });
}

async function withDataSource<T>(dataSource: DataSource, use: (d: DataSource) => Promise<T>): Promise<T> {
  await dataSource.initialize();
  try {
    return await use(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

const childEnv = (url: string) => ({ ...process.env, DATABASE_URL: url, NO_COLOR: '1' });

export const migrationPaths = {
  /** `AgentModule.forRoot` booting with `database.runMigrations` on (the default). */
  boot: async (url) => {
    const app: TestApp = await startTestApp({
      transport: 'redis',
      db: { url } as TestDatabase,
      queuePrefix: uniquePrefix(),
      options: { workers: { enabled: false }, maintenance: { enabled: false } },
    });
    await app.close();
  },
  /** The example app's `npm run migrate` (built by the global setup). */
  migrate: async (url) => {
    await run(process.execPath, [resolve('dist/src/migrate.js')], { env: childEnv(url) });
  },
  /** `npm run migration:run`: the TypeORM CLI with the repo's `ormconfig.ts`. */
  typeormCli: async (url) => {
    await run(process.execPath, [resolve('node_modules/typeorm/cli.js'), 'migration:run', '-d', resolve('dist/ormconfig.js')], {
      env: childEnv(url),
    });
  },
  /** A host's own DataSource listing `AGENT_MIGRATIONS` with `AGENT_MIGRATIONS_TABLE`. */
  hostSharedTable: (url) => withDataSource(hostDataSource(url), (d) => d.runMigrations().then(() => undefined)),
  /** A host's own DataSource with its own migrations table holding its own migrations and the library's. */
  hostOwnTable: (url) =>
    withDataSource(
      hostDataSource(url, { migrations: [...AGENT_MIGRATIONS, HostNotes1790000000000], migrationsTableName: HOST_TABLE }),
      (d) => d.runMigrations().then(() => undefined),
    ),
} satisfies Record<string, MigrationPath>;

/** What `npm run migrate` and the TypeORM CLI did before the library had one table: the default table, nothing idempotent. */
export const legacyDefaultTable = (url: string, count = LEGACY_MIGRATIONS.length): Promise<void> =>
  withDataSource(new DataSource({ type: 'postgres', url, migrations: LEGACY_MIGRATIONS.slice(0, count) }), (d) =>
    d.runMigrations().then(() => undefined),
  );
