import pg from 'pg';
import { adminDatabaseUrl, databaseUrl, uniqueName } from './env.js';

export interface BenchDatabase {
  name: string;
  url: string;
  /** The bench's own connections, for measurements (never the library's pool). */
  sql: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, empty database (the library migrates it at boot); dropped at the end of the run. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = uniqueName('agents_bench');
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  const sql = new pg.Pool({ connectionString: url, max: 4, application_name: 'nestjs-agents-bench' });
  // An idle connection closed by the server (the drop below, WITH (FORCE)) must not end the bench.
  sql.on('error', () => undefined);
  let dropped = false;
  return {
    name,
    url,
    sql,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await sql.end();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminDatabaseUrl(), application_name: 'nestjs-agents-bench' });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}
