import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AGENT_MIGRATIONS, AGENT_MIGRATIONS_TABLE, runMigrationsUnderLock } from '../../src/agent/index.js';
import {
  HOST_TABLE,
  HostNotes1790000000000,
  hostDataSource,
  legacyDefaultTable,
  migrationPaths,
  type MigrationPath,
} from '../support/migration-paths.js';
import { schemaSnapshot } from '../support/schema-snapshot.js';
import { adminUrl, databaseUrl } from '../support/test-env.js';

const LIBRARY_NAMES = AGENT_MIGRATIONS.map((m) => m.name);

/** Every database here is made empty by the test and dropped after the file. */
const made: string[] = [];
async function emptyDatabase(): Promise<string> {
  const name = `agents_mp_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  made.push(name);
  return databaseUrl(name);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The names a migrations table records, in the order recorded; [] when the table does not exist. */
async function recorded(url: string, table: string): Promise<string[]> {
  const [{ exists }] = await query<{ exists: boolean }>(url, 'SELECT to_regclass($1) IS NOT NULL AS exists', [table]);
  if (!exists) return [];
  return (await query<{ name: string }>(url, `SELECT name FROM "${table}" ORDER BY id`)).map((r) => r.name);
}

let expectedSchema: string[];

beforeAll(async () => {
  // The run's template was migrated once, by the book: every path must end at exactly its schema.
  expectedSchema = await schemaSnapshot(databaseUrl(inject('templateDatabase')));
  expect(expectedSchema.length).toBeGreaterThan(50);
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  for (const name of made) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

/** Complete schema; each table records each migration it ran at most once; `agent_migrations` records all of the library's. */
async function expectMigratedOnce(url: string): Promise<void> {
  expect(await schemaSnapshot(url)).toEqual(expectedSchema);
  expect(await recorded(url, AGENT_MIGRATIONS_TABLE)).toEqual(LIBRARY_NAMES);
  for (const table of ['migrations', HOST_TABLE]) {
    const names = await recorded(url, table);
    expect(names, table).toEqual([...new Set(names)]);
  }
}

const paths = Object.entries(migrationPaths) as [string, MigrationPath][];

// Each test runs the example app's migrate script and the TypeORM CLI as processes, several times
// over: seconds apiece on an idle machine, many more beside the rest of the suite.
const SLOW = 120_000;

describe('the library migrations, by any path in any order', () => {
  it.concurrent.each(paths)(
    'a database first migrated by %s is up to date for every other path',
    async (first, migrateFirst) => {
      const url = await emptyDatabase();
      await migrateFirst(url);
      await expectMigratedOnce(url);
      for (const [then, migrateThen] of paths) {
        if (then === first) continue;
        await migrateThen(url).catch((error: Error) => {
          throw new Error(`${then} after ${first}: ${error.message}`, { cause: error });
        });
        await expectMigratedOnce(url);
      }
      expect(await recorded(url, HOST_TABLE)).toEqual(expect.arrayContaining([...LIBRARY_NAMES, HostNotes1790000000000.name]));
    },
    SLOW,
  );

  it.concurrent.each(paths)(
    "a database an older release migrated through TypeORM's default table is adopted by %s",
    async (_name, migrate) => {
      const url = await emptyDatabase();
      // Three of five: the older release's last migrations are still to run, the first three must not run again.
      await legacyDefaultTable(url, 3);
      await migrate(url);
      await expectMigratedOnce(url);
      expect(await recorded(url, 'migrations')).toEqual(LIBRARY_NAMES.slice(0, 3));
    },
    SLOW,
  );

  // Boot and `npm run migrate` hold the advisory lock for the whole run; a host's CLI with its own
  // table takes it per migration. (Two runs that both have TypeORM create the same migrations table
  // without the lock, e.g. two bare TypeORM CLIs on an empty database, can still collide there.)
  it.concurrent(
    'two boots, npm run migrate and a host CLI with its own table at the same time apply each migration once',
    async () => {
      const url = await emptyDatabase();
      await Promise.all([
        migrationPaths.boot(url),
        migrationPaths.boot(url),
        migrationPaths.migrate(url),
        migrationPaths.hostOwnTable(url),
      ]);
      await expectMigratedOnce(url);
    },
    SLOW,
  );

  it.concurrent(
    'a migration reverted through a host table is no longer applied for boot either',
    async () => {
      const url = await emptyDatabase();
      await migrationPaths.boot(url);
      await migrationPaths.hostOwnTable(url);
      const host = hostDataSource(url, { migrations: [...AGENT_MIGRATIONS, HostNotes1790000000000], migrationsTableName: HOST_TABLE });
      await host.initialize();
      try {
        await host.undoLastMigration();
      } finally {
        await host.destroy();
      }
      const last = LIBRARY_NAMES.at(-1)!;
      expect(await recorded(url, AGENT_MIGRATIONS_TABLE)).not.toContain(last);
      expect(await recorded(url, HOST_TABLE)).not.toContain(last);
      await migrationPaths.boot(url);
      await migrationPaths.hostOwnTable(url);
      await expectMigratedOnce(url);
    },
    SLOW,
  );

  it.concurrent(
    'a schema with no record of its migrations fails with what to do, not a bare "already exists"',
    async () => {
      const url = await emptyDatabase();
      await migrationPaths.hostSharedTable(url);
      await query(url, `DROP TABLE ${AGENT_MIGRATIONS_TABLE}`);
      const dataSource = hostDataSource(url);
      await dataSource.initialize();
      try {
        await expect(runMigrationsUnderLock(dataSource)).rejects.toThrow(
          /InitialSchema1795496268794: relation "agent_executions" already exists, yet neither agent_migrations nor migrations records it.*record the applied migrations' names in agent_migrations/,
        );
      } finally {
        await dataSource.destroy();
      }
    },
    SLOW,
  );
});
