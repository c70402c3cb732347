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

/**
 * How many PostgreSQL connections a test file opens at its peak. Two files run at once and share
 * the server's `max_connections` (100 by default): `many` (several app nodes, many starts at once;
 * above ~35 connections) runs with no other file's database open, `few` beside another `few`.
 */
export type ConnectionUse = 'few' | 'many';

/** A key of the run's own: the slot lock below. */
const SLOT_LOCK_KEY = 0x61676e74;

/**
 * This file's slot, held on a connection of its own while any of its databases exists: a shared
 * advisory lock for `few`, an exclusive one for `many`. Taken once per file whatever the number of
 * its databases, so a file never waits behind a `many` file while holding a slot itself.
 */
let slot: { client: Promise<pg.Client>; use: ConnectionUse; users: number } | null = null;

async function takeSlot(use: ConnectionUse): Promise<void> {
  if (slot) {
    if (slot.use !== use) throw new Error(`one test file asked for databases with '${slot.use}' and '${use}' connections`);
    slot.users++;
    await slot.client;
    return;
  }
  const client = (async () => {
    const c = new pg.Client({ connectionString: adminUrl() });
    await c.connect();
    await c.query(use === 'many' ? 'SELECT pg_advisory_lock($1)' : 'SELECT pg_advisory_lock_shared($1)', [SLOT_LOCK_KEY]);
    return c;
  })();
  slot = { client, use, users: 1 };
  await client;
}

async function releaseSlot(): Promise<void> {
  if (!slot || --slot.users > 0) return;
  const { client } = slot;
  slot = null;
  await (await client).end();
}

/**
 * A fresh, migrated database for one test file, cloned from the run's template. A `many` file may
 * first wait for the file beside it to drop its databases (see `ConnectionUse`).
 */
export async function createTestDatabase(o: { connections?: ConnectionUse } = {}): Promise<TestDatabase> {
  await takeSlot(o.connections ?? 'few');
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
      await releaseSlot();
    },
  };
}

export const uniquePrefix = (): string => `t_${randomBytes(4).toString('hex')}`;
