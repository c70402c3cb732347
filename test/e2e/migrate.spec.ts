import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_MIGRATIONS } from '../../src/agent/index.js';
import { adminUrl, databaseUrl } from '../support/test-env.js';

const run = promisify(execFile);

/** `npm run migrate`: the deployment's one-shot schema step (docker/compose.yml runs it before the API and workers). */
describe('npm run migrate', () => {
  const name = `agents_migrate_${randomBytes(4).toString('hex')}`;
  const admin = () => new pg.Client({ connectionString: adminUrl() });

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
  });
  afterAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });

  it('creates the schema of an empty database once, even when two run at the same time', async () => {
    const env = { ...process.env, DATABASE_URL: databaseUrl(name), NO_COLOR: '1' };
    const script = resolve('dist/src/migrate.js');
    const [a, b] = await Promise.all([run(process.execPath, [script], { env }), run(process.execPath, [script], { env })]);
    expect(a.stdout + b.stdout).toContain('Migrations are up to date');

    const client = new pg.Client({ connectionString: databaseUrl(name) });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT name FROM agent_migrations ORDER BY id`);
      const names = rows.map((r) => r.name as string);
      expect(names).toEqual(AGENT_MIGRATIONS.map((m) => m.name));
      const tables = await client.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('agent_executions', 'agent_conversations', 'agent_pipelines', 'token_usage_records')`,
      );
      expect(tables.rows[0].n).toBe(4);
    } finally {
      await client.end();
    }
  });
});
