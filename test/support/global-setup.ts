import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { AGENT_ENTITIES } from '../../src/agent/agent.entities.js';
import { AGENT_MIGRATIONS_TABLE } from '../../src/agent/migrations/agent-migrations-table.js';
import { AGENT_MIGRATIONS } from '../../src/agent/migrations/agent-migrations.js';
import { adminUrl, databaseUrl } from './test-env.js';

/**
 * Migrates one template database per test run; every test file clones it
 * (`CREATE DATABASE … TEMPLATE`), so files run in parallel on isolated data.
 */
export default async function globalSetup(project: TestProject): Promise<() => Promise<void>> {
  const template = `agents_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${template}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl(template),
    entities: AGENT_ENTITIES,
    migrations: AGENT_MIGRATIONS,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  project.provide('templateDatabase', template);
  // Tests that run workers as child processes start the built example app (`dist/src/worker.js`),
  // which uses the built library (`dist/agent`) by its package name; the migration tests run the
  // TypeORM CLI on `dist/ormconfig.js`; the package test packs the build, and the dashboard test
  // serves `dist/dashboard`. Built once here, never under a running test.
  execFileSync(process.execPath, ['src/host/build-if-stale.mjs', '--always'], { stdio: 'inherit' });

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `agents_t_${process.pid}_%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
