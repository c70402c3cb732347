import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { percentile } from './stats.js';

/**
 * What PostgreSQL itself costs on this machine: a single-row INSERT of a ~2 KB JSON row, autocommit
 * (so one round trip and one WAL flush), into the bench's own table in the same database.
 */
export const BASELINE_TABLE = 'bench_insert_baseline';

/** ~2 KB of JSON that does not compress (random hex), so it is stored as written, like a real message. */
export function payload2k(): string {
  const parts = Array.from({ length: 14 }, (_, i) => ({ k: `part_${i}`, v: randomBytes(60).toString('hex') }));
  return JSON.stringify({ role: 'assistant', content: parts });
}

/** The baseline's table, created when missing (the first-step floor inserts into it too). */
export async function ensureBaselineTable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'nestjs-agents-bench' });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${BASELINE_TABLE} (id bigserial PRIMARY KEY, payload jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
  } finally {
    await client.end();
  }
}

export const payloadBytes = (): number => Buffer.byteLength(payload2k());

export interface InsertFloor {
  p50Ms: number;
  rowBytes: number;
}

/** p50 of `n` sequential single-row inserts on one connection (after a warm-up). */
export async function measureInsertFloor(url: string, n = 500, warmup = 50): Promise<InsertFloor> {
  await ensureBaselineTable(url);
  const row = payload2k();
  const client = new pg.Client({ connectionString: url, application_name: 'nestjs-agents-bench' });
  await client.connect();
  try {
    const sql = `INSERT INTO ${BASELINE_TABLE} (payload) VALUES ($1)`;
    const samples: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = performance.now();
      await client.query(sql, [row]);
      if (i >= warmup) samples.push(performance.now() - t0);
    }
    return { p50Ms: percentile(samples, 50), rowBytes: Buffer.byteLength(row) };
  } finally {
    await client.end();
  }
}

/** Rows/s of `clients` connections each inserting single rows in a loop for `durationMs`. */
export async function measureInsertCeiling(url: string, clients = 16, durationMs = 3_000): Promise<number> {
  await ensureBaselineTable(url);
  const row = payload2k();
  const sql = `INSERT INTO ${BASELINE_TABLE} (payload) VALUES ($1)`;
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: 'nestjs-agents-bench' });
      await c.connect();
      await c.query(sql, [row]); // warm
      return c;
    }),
  );
  try {
    const t0 = performance.now();
    const end = t0 + durationMs;
    const counts = await Promise.all(
      connections.map(async (c) => {
        let rows = 0;
        while (performance.now() < end) {
          await c.query(sql, [row]);
          rows++;
        }
        return rows;
      }),
    );
    const elapsedS = (performance.now() - t0) / 1000;
    return counts.reduce((a, b) => a + b, 0) / elapsedS;
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}
