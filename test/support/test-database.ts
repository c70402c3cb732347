import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { adminUrl, databaseUrl } from './test-env.js';

export interface TestDatabase {
  name: string;
  url: string;
  /** A plain client for assertions on the tables. */
  sql: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  const parentPid = template.split('_').pop();
  const name = `agents_t_${parentPid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  // NOTE: cloning needs the template free of connections; files clone concurrently, so retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      if (attempt > 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  await admin.end();
  const url = databaseUrl(name);
  const sql = new pg.Pool({ connectionString: url, max: 3 });
  // An idle connection cut by the server (a test that takes the database down) must not crash the run.
  sql.on('error', () => undefined);
  return {
    name,
    url,
    sql,
    drop: async () => {
      await sql.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const uniquePrefix = (): string => `t_${randomBytes(4).toString('hex')}`;
