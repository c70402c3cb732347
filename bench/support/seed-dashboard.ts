import pg from 'pg';
import { DataSource } from 'typeorm';
import { AGENT_ENTITIES, AGENT_MIGRATIONS, AGENT_MIGRATIONS_TABLE, StatsRollup } from 'nestjs-agents';

/** How much history the dashboard bench reads through: the figures are per these sizes. */
export interface DashboardSeedSizes {
  executions: number;
  /** `agent_logs` rows, spread evenly over the executions (`started`, steps, tool calls, the end). */
  logRows: number;
  /** `token_usage_records` rows (model calls), spread evenly over the executions. */
  usageRecords: number;
  /** How far back the executions go (the rollup fills the last week of it). */
  days: number;
}

export const LARGE_SEED: DashboardSeedSizes = { executions: 1_000_000, logRows: 20_000_000, usageRecords: 3_000_000, days: 14 };

/** The tenants, largest first: half of the executions are the first one's. */
export const SEED_TENANTS = ['acme', 'globex', 'initech', 'umbrella'] as const;
const TENANT_SHARES = [50, 25, 15, 10];
const USERS_PER_TENANT = 50;
export const SEED_AGENT_TYPES = ['code-assistant', 'research', 'summarise', 'triage', 'translate', 'report'] as const;
/** `triage` fails a third of its runs: the overview's failing-type alert has something to say. */
const FAILING_TYPE = 'triage';
const MODELS = [
  { model: 'gpt-4o-mini', in: 0.00015, out: 0.0006 },
  { model: 'gpt-4o', in: 0.0025, out: 0.01 },
  { model: 'claude-sonnet', in: 0.003, out: 0.015 },
  { model: 'claude-haiku', in: 0.0008, out: 0.004 },
];

/** Marks a seeded database: its sizes and the instant the history ends at (the bench's "now"). */
const MARKER = 'bench_dashboard_seed';

export interface SeededDatabase {
  url: string;
  /** The end of the seeded history: ask for windows ending here. */
  seededAt: Date;
  /** Whether this run seeded it (false: reused). */
  seeded: boolean;
}

/**
 * A database named `name` holding `sizes` of history: reused when an earlier run seeded it with
 * the same sizes, else (re)created, migrated and seeded.
 */
export async function seededDatabase(
  adminUrl: string,
  name: string,
  sizes: DashboardSeedSizes,
  progress: (message: string) => void = () => undefined,
): Promise<SeededDatabase> {
  const url = withDatabase(adminUrl, name);
  const existing = await readMarker(adminUrl, name, url);
  if (existing && sameSizes(existing.sizes, sizes)) {
    progress(`database ${name}: reused (seeded ${existing.seededAt.toISOString()})`);
    return { url, seededAt: existing.seededAt, seeded: false };
  }
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: AGENT_ENTITIES,
    migrations: AGENT_MIGRATIONS,
    migrationsTableName: AGENT_MIGRATIONS_TABLE,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const seededAt = await seedDashboard(pool, sizes, { progress });
    await pool.query(`CREATE TABLE ${MARKER} (sizes jsonb NOT NULL, seeded_at timestamptz NOT NULL)`);
    await pool.query(`INSERT INTO ${MARKER} VALUES ($1, $2)`, [JSON.stringify(sizes), seededAt]);
    return { url, seededAt, seeded: true };
  } finally {
    await pool.end();
  }
}

/**
 * Writes `sizes` of history ending at `now` into a migrated database, with set-based SQL
 * (`generate_series`, in time order, foreign keys and triggers off for the session), then rolls
 * it up as a first boot would. Deterministic but for ids' random tails. Returns `now`.
 */
export async function seedDashboard(
  pool: pg.Pool,
  sizes: DashboardSeedSizes,
  options: { now?: Date; progress?: (message: string) => void } = {},
): Promise<Date> {
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const progress = options.progress ?? (() => undefined);
  const client = await pool.connect();
  try {
    // NOTE: bulk load: no per-row foreign key checks or triggers (the rows are consistent by construction), no WAL flush per commit.
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SET work_mem = '64MB'`);
    const t0 = performance.now();
    await client.query(SEED_PLAN_SQL, [sizes.executions, sizes.days, now, USERS_PER_TENANT]);
    await client.query(SEED_EXECUTIONS_SQL, [now]);
    const ran = Number((await client.query(`SELECT count(log_rank) AS n FROM seed_executions`)).rows[0].n);
    progress(`seed: ${sizes.executions} executions (${ran} ran) in ${seconds(t0)} s`);
    const t1 = performance.now();
    await client.query(SEED_LOGS_SQL, [sizes.logRows, ran, now]);
    progress(`seed: ${sizes.logRows} log rows in ${seconds(t1)} s`);
    const t2 = performance.now();
    await client.query(SEED_USAGE_SQL, [sizes.usageRecords, ran, now]);
    progress(`seed: ${sizes.usageRecords} usage records in ${seconds(t2)} s`);
    await client.query(SEED_BUDGETS_SQL, [now]);
    await client.query(`DROP TABLE seed_executions`);
    const t3 = performance.now();
    // NOTE: as autovacuum leaves a live table: statistics, and the executions' visibility map (their counts read the index alone).
    await client.query(`VACUUM (ANALYZE) agent_executions`);
    await client.query(`ANALYZE agent_logs, token_usage_records, agent_budget_ledger, agent_budgets`);
    progress(`seed: vacuumed and analyzed in ${seconds(t3)} s`);
  } finally {
    await client.query(`RESET ALL`).catch(() => undefined);
    client.release();
  }
  const t4 = performance.now();
  const { steps } = await new StatsRollup(pool, { recomputeSeconds: 180, backfillHours: 168 }).run({ now });
  progress(`seed: rollup backfill in ${steps.length} steps, ${seconds(t4)} s`);
  return now;
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** The tenant of hash `h`: each tenant's share of 100. */
function tenantCase(h: string): string {
  let sum = 0;
  const arms = SEED_TENANTS.map((tenant, i) => `WHEN ${h} % 100 < ${(sum += TENANT_SHARES[i]!)} THEN '${tenant}'`);
  return `CASE ${arms.join(' ')} END`;
}

/**
 * `seed_executions`, a working table: row i the i-th execution, oldest first, with what its logs
 * and usage records are made from. Ends and parks are mixed by hash: most runs completed, a tenth
 * failed (a third of `triage`'s), some cancelled; among the last minutes' some still running (a
 * few with a dead worker's stale heartbeat) or pending; every few hundredth one parked in a waiting
 * status; some scheduled, a few of them overdue. `log_rank`: its place among those that ran.
 * $1 executions · $2 days · $3 now · $4 users per tenant
 */
const SEED_PLAN_SQL = `
CREATE UNLOGGED TABLE seed_executions AS
WITH base AS (
  SELECT i, $3::timestamptz - make_interval(days => $2) + (i::double precision / $1) * make_interval(days => $2) AS created_at,
         abs(hashint8(i)) AS h1, abs(hashint8(i + 7919)) AS h2, abs(hashint8(i + 104729)) AS h3
  FROM generate_series(0, $1::bigint - 1) AS i
), shaped AS (
  SELECT b.*, ${tenantCase('b.h1')} AS tenant,
         (ARRAY['${SEED_AGENT_TYPES.join("', '")}'])[1 + b.h2 % ${SEED_AGENT_TYPES.length}] AS agent_type,
         1 + b.h3 % 12 AS steps,
         CASE WHEN b.h1 % 100 = 0 THEN 5000 + b.h2 % 55000 ELSE b.h2 % 900 END AS wait_ms,
         CASE WHEN b.h3 % 40 = 0 THEN 10000 + b.h1 % 20000 ELSE 200 + b.h1 % 2800 END AS step_ms
  FROM base b
), timed AS (
  SELECT s.*,
         s.tenant || '-u' || (s.h3 / 13) % $4 AS user_id,
         CASE WHEN s.agent_type = 'research' THEN 'agents-long' WHEN s.h1 % 10 = 0 THEN 'agents-priority' ELSE 'agents-default' END AS queue,
         s.created_at + make_interval(secs => s.wait_ms / 1000.0) AS started_at,
         s.created_at + make_interval(secs => (s.wait_ms + s.steps * s.step_ms) / 1000.0) AS ended_at,
         lpad(to_hex((extract(epoch FROM s.created_at) * 1000)::bigint), 12, '0') AS ms_hex, md5(s.i::text) AS tail
  FROM shaped s
), decided AS (
  SELECT t.*,
         CASE
           WHEN t.ended_at > $3 AND t.h2 % 20 = 0 THEN 'pending'
           WHEN t.ended_at > $3 THEN 'running'
           WHEN t.h1 % 997 = 0 THEN 'awaiting_event'
           WHEN t.h1 % 991 = 0 THEN 'awaiting_input'
           WHEN t.h1 % 983 = 0 THEN 'paused'
           WHEN t.h1 % 977 = 0 THEN 'awaiting_children'
           WHEN t.h1 % 971 = 0 THEN 'scheduled'
           WHEN t.agent_type = '${FAILING_TYPE}' AND t.h3 % 3 = 0 THEN 'failed'
           WHEN t.h3 % 100 < 7 THEN 'failed'
           WHEN t.h3 % 100 < 11 THEN 'cancelled'
           ELSE 'completed'
         END AS status
  FROM timed t
)
SELECT d.*,
       (substr(ms_hex, 1, 8) || '-' || substr(ms_hex, 9, 4) || '-7' || substr(tail, 1, 3) || '-8' || substr(tail, 4, 3) || '-' || substr(tail, 7, 12))::uuid AS id,
       CASE WHEN status NOT IN ('pending', 'scheduled')
            THEN row_number() OVER (PARTITION BY status IN ('pending', 'scheduled') ORDER BY i) - 1 END AS log_rank
FROM decided d`;

/** $1 now */
const SEED_EXECUTIONS_SQL = `
INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, step_count, tier, lease_epoch, lease_owner,
  lease_heartbeat_at, started_at, completed_at, scheduled_for, awaiting_event, created_at, updated_at)
SELECT id, tenant, user_id, agent_type, status, queue, '{}'::jsonb, CASE WHEN status IN ('pending', 'scheduled') THEN 0 ELSE steps END,
       'pro', CASE WHEN status IN ('pending', 'scheduled') THEN 0 ELSE 1 END,
       CASE WHEN status = 'running' THEN 'seed-worker' END,
       CASE WHEN status = 'running' THEN LEAST($1, started_at + interval '1 second') - CASE WHEN h1 % 50 = 0 THEN interval '20 minutes' ELSE interval '0' END END,
       CASE WHEN status NOT IN ('pending', 'scheduled') THEN LEAST(started_at, $1) END,
       CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN ended_at END,
       CASE WHEN status = 'scheduled' THEN created_at + CASE WHEN h2 % 5 = 0 THEN interval '1 hour' ELSE interval '30 days' END END,
       CASE WHEN status = 'awaiting_event' THEN 'approval.granted' END,
       created_at,
       CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN ended_at
            WHEN status IN ('pending', 'scheduled') THEN created_at ELSE LEAST(ended_at, $1) END
FROM seed_executions ORDER BY i`;

/** How many rows of `per + 1` and of `per` the executions that ran get, to make `total` exactly: rank < extra gets one more. */
const ROWS_OF = (total: string, ran: string) =>
  `(${total}::bigint / ${ran}) + CASE WHEN s.log_rank < ${total}::bigint % ${ran} THEN 1 ELSE 0 END`;

/**
 * The log rows, execution after execution (so in time order, as a live system writes them): a
 * `started` row with its queue wait, then steps (`step_completed` with `duration_ms`) and tool calls,
 * and the end row of an ended run. Pending and scheduled runs have none.
 * $1 log rows · $2 executions that ran · $3 now
 */
const SEED_LOGS_SQL = `
INSERT INTO agent_logs (execution_id, step_number, level, event_type, message, context, created_at)
SELECT s.id, k / 3, CASE WHEN x.kind = 'failed' THEN 'error' ELSE 'info' END, x.kind,
       CASE x.kind WHEN 'started' THEN 'Running' WHEN 'step_completed' THEN 'Step completed' WHEN 'tool_called' THEN 'Tool called'
                   WHEN 'tool_completed' THEN 'Tool completed' ELSE 'Execution ' || x.kind END,
       CASE x.kind
         WHEN 'started' THEN jsonb_build_object('status', 'running', 'epoch', 1, 'waited_ms', s.wait_ms)
         WHEN 'step_completed' THEN jsonb_build_object('step_type', 'model', 'duration_ms', s.step_ms + abs(hashint8(s.i * 31 + k)) % 200)
         WHEN 'tool_called' THEN jsonb_build_object('tool', 'read_file')
         WHEN 'tool_completed' THEN jsonb_build_object('tool', 'read_file', 'ok', true)
         ELSE jsonb_build_object('status', x.kind)
       END,
       LEAST($3::timestamptz, CASE WHEN x.kind IN ('completed', 'failed', 'cancelled') THEN s.ended_at
                                   ELSE s.started_at + make_interval(secs => k * s.step_ms / 3000.0) END)
FROM seed_executions s
CROSS JOIN LATERAL (SELECT ${ROWS_OF('$1', '$2')} AS n) c
CROSS JOIN LATERAL generate_series(0, c.n - 1) AS k
CROSS JOIN LATERAL (SELECT CASE
    WHEN k = 0 THEN 'started'
    WHEN k = c.n - 1 AND s.status IN ('completed', 'failed', 'cancelled') THEN s.status
    WHEN k % 3 = 1 THEN 'tool_called'
    WHEN k % 3 = 2 THEN 'tool_completed'
    ELSE 'step_completed' END AS kind) x
WHERE s.log_rank IS NOT NULL
ORDER BY s.i, k`;

/**
 * Model calls, evenly over the executions that ran, within their run time.
 * Prices: USD per 1K tokens. $1 records · $2 executions that ran · $3 now
 */
const SEED_USAGE_SQL = `
INSERT INTO token_usage_records (tenant_id, user_id, execution_id, model, input_tokens, output_tokens, cost_usd, recorded_at)
SELECT s.tenant, s.user_id, s.id, m.model, t.tin, t.tout, round((t.tin * m."in" + t.tout * m."out") / 1000.0, 6),
       LEAST($3::timestamptz, s.ended_at, s.started_at + make_interval(secs => (k + 1) * s.step_ms / 1000.0))
FROM seed_executions s
CROSS JOIN LATERAL (SELECT ${ROWS_OF('$1', '$2')} AS n) c
CROSS JOIN LATERAL generate_series(0, c.n - 1) AS k
CROSS JOIN LATERAL (SELECT 200 + abs(hashint8(s.i * 17 + k)) % 3800 AS tin, 50 + abs(hashint8(s.i * 19 + k)) % 750 AS tout,
                           1 + abs(hashint8(s.i * 23 + k)) % ${MODELS.length} AS pick) t
JOIN (VALUES ${MODELS.map((m, i) => `(${i + 1}, '${m.model}', ${m.in}, ${m.out})`).join(', ')}) AS m(n, model, "in", "out") ON m.n = t.pick
WHERE s.log_rank IS NOT NULL
ORDER BY s.i, k`;

/**
 * Budgets this month: the first tenant's (92 % used, an alert) and a few users' of it (one near its
 * limit), with their ledger rows as the runs left them.
 * $1 now
 */
const SEED_BUDGETS_SQL = `
WITH period AS (SELECT date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC')::date AS p),
budgets AS (
  SELECT * FROM (VALUES ('acme', '', NULL::bigint, 500.0, 0, 460.0, 0, 1.5),
                        ('acme', 'acme-u1', 5000000, NULL, 4300000, 12.0, 120000, 0.3),
                        ('acme', 'acme-u2', 20000000, NULL, 2000000, 5.0, 0, 0),
                        ('globex', '', 100000000, NULL, 30000000, 80.0, 500000, 0.5)) AS b(tenant_id, user_id, tokens, usd,
                        spent_tokens, spent_usd, reserved_tokens, reserved_usd)
), admin AS (
  INSERT INTO agent_budgets (tenant_id, user_id, monthly_tokens, monthly_usd) SELECT tenant_id, user_id, tokens, usd FROM budgets
)
INSERT INTO agent_budget_ledger (tenant_id, user_id, period, spent_tokens, spent_usd, reserved_tokens, reserved_usd, limit_tokens, limit_usd)
SELECT tenant_id, user_id, period.p, spent_tokens, spent_usd, reserved_tokens, reserved_usd, tokens, usd FROM budgets, period`;

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function readMarker(adminUrl: string, name: string, url: string): Promise<{ sizes: DashboardSeedSizes; seededAt: Date } | null> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1;
  await admin.end();
  if (!exists) return null;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT sizes, seeded_at FROM ${MARKER} LIMIT 1`).catch(() => ({ rows: [] }));
    return rows[0] ? { sizes: rows[0].sizes as DashboardSeedSizes, seededAt: rows[0].seeded_at as Date } : null;
  } finally {
    await client.end();
  }
}

const sameSizes = (a: DashboardSeedSizes, b: DashboardSeedSizes): boolean =>
  a.executions === b.executions && a.logRows === b.logRows && a.usageRecords === b.usageRecords && a.days === b.days;
