import pg from 'pg';
import { ADMIT_SQL } from '../../src/agent/executions/lifecycle/start-admission.sql.js';
import { ACQUIRE_LEASE_SQL } from '../../src/agent/executions/run/step-commit.sql.js';
import { uuidv7, uuidv7Floor } from '../../src/agent/executions/uuid-v7.js';
import { BASELINE_TABLE, ensureBaselineTable, payload2k } from './insert-baseline.js';

const LEASE_TIMEOUT_MS = 900_000;

/**
 * What PostgreSQL alone costs an eager start's first step, on a bare client with nothing around
 * it: the start's transaction (BEGIN, `agents_admit`, the lease statement, COMMIT, as the library
 * sends them) and then one autocommitted insert of a ~2 KB row for the step's commit. Sequential,
 * `n` times after `warmup`, ms each. Every start is a new execution of one user, as in the
 * first-step cases, so the admission's counts read what they read there.
 */
export async function measureFirstStepFloor(url: string, n: number, warmup: number): Promise<number[]> {
  await ensureBaselineTable(url);
  const client = new pg.Client({ connectionString: url, application_name: 'nestjs-agents-bench' });
  await client.connect();
  const row = payload2k();
  try {
    const samples: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const id = uuidv7();
      const t0 = performance.now();
      await client.query('BEGIN');
      await client.query({ name: 'agents_admit', text: ADMIT_SQL, values: admissionValues(id) });
      const { rows } = await client.query({
        name: 'agents_acquire_lease',
        text: ACQUIRE_LEASE_SQL,
        values: [id, 'bench-floor', LEASE_TIMEOUT_MS],
      });
      await client.query('COMMIT');
      if (rows.length !== 1) throw new Error(`The floor's start ${id} was not leased`);
      await client.query(`INSERT INTO ${BASELINE_TABLE} (payload) VALUES ($1)`, [row]);
      if (i >= warmup) samples.push(performance.now() - t0);
    }
    return samples;
  } finally {
    await client.end();
  }
}

/** `ADMIT_SQL`'s values for a start of `bench-zero` by the floor's own user, under limits it never meets. */
function admissionValues(id: string): unknown[] {
  return [
    id,
    'bench',
    'bench-floor',
    'bench-zero',
    'agents-default',
    JSON.stringify({ steps: 1 }),
    '{}',
    null,
    'pending',
    null,
    null,
    null,
    uuidv7Floor(Date.now() - 3_600_000),
    1_000_000,
    1_000_000,
    'pro',
    '{}',
    7,
  ];
}
