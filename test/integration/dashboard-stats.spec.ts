import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardStatsService, StatsRollup } from '../../src/agent/index.js';
import { ExecutionStore } from '../../src/agent/executions/run/execution-store.js';
import { uuidv7 } from '../../src/agent/executions/uuid-v7.js';
import { seedDashboard } from '../../bench/support/seed-dashboard.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, uniquePrefix, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;
/** "Now" for every figure: 30 s into a minute, so the current bucket is [M0, M0 + 1 min). */
const M0 = Math.floor(Date.now() / MINUTE) * MINUTE;
const NOW = new Date(M0 + 30_000);
/** A time `m` minutes (and `s` seconds) after the current minute's start (m ≤ 0: before). */
const at = (m: number, s = 0) => new Date(M0 + m * MINUTE + s * 1000);

const ROLLUP = { recomputeSeconds: 180, backfillHours: 168 };
const ALERTS = { stuckAfterSeconds: 300, failureRate: 0.5, minFinishedRuns: 2, budgetUsedRatio: 0.8, maxStuck: 20 };

interface Run {
  tenant?: string;
  user?: string;
  type: string;
  queue?: string;
  status: string;
  created: Date;
  ended?: Date;
  heartbeat?: Date;
  updated?: Date;
  scheduledFor?: Date;
}

async function execution(db: TestDatabase, run: Run): Promise<string> {
  const id = uuidv7(run.created.getTime());
  await db.sql.query(
    `INSERT INTO agent_executions (id, tenant_id, user_id, agent_type, status, queue, input, created_at, updated_at, completed_at,
       lease_heartbeat_at, scheduled_for)
     VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, $8, $9, $10, $11)`,
    [
      id,
      run.tenant ?? 't1',
      run.user ?? 'alice',
      run.type,
      run.status,
      run.queue ?? 'agents-default',
      run.created,
      run.updated ?? run.ended ?? run.created,
      run.ended ?? null,
      run.heartbeat ?? null,
      run.scheduledFor ?? null,
    ],
  );
  return id;
}

const log = (db: TestDatabase, id: string, type: 'started' | 'step_completed', ms: number, createdAt: Date) =>
  db.sql.query(
    `INSERT INTO agent_logs (execution_id, level, event_type, message, context, created_at) VALUES ($1, 'info', $2, '', $3, $4)`,
    [id, type, JSON.stringify(type === 'started' ? { status: 'running', waited_ms: ms } : { duration_ms: ms }), createdAt],
  );

const usage = (
  db: TestDatabase,
  id: string | null,
  user: string,
  model: string,
  tokens: [number, number],
  cost: number,
  recordedAt: Date,
  tenant = 't1',
) =>
  db.sql.query(
    `INSERT INTO token_usage_records (tenant_id, user_id, execution_id, model, input_tokens, output_tokens, cost_usd, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenant, user, id, model, tokens[0], tokens[1], cost, recordedAt],
  );

describe('dashboard statistics (rollup, overview, queues, usage)', () => {
  let db: TestDatabase;
  let t: TestApp;
  let stats: DashboardStatsService;
  let rollup: StatsRollup;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({
      transport: 'postgres',
      db,
      queuePrefix: uniquePrefix(),
      options: {
        workers: { enabled: false },
        maintenance: { enabled: false },
        dashboard: { enabled: true, stats: { rollupIntervalMs: 0, alerts: ALERTS } },
      },
    });
    stats = t.app.get(DashboardStatsService);
    rollup = new StatsRollup(db.sql, ROLLUP);

    // Minute -5: alpha completes (steps 40 and 60 ms, waited 2 s); minute -4: alpha fails (a 1.5 s step).
    ids.e1 = await execution(db, { type: 'alpha', status: 'completed', created: at(-5, 10), ended: at(-4, 5) });
    await log(db, ids.e1, 'started', 2000, at(-5, 12));
    await log(db, ids.e1, 'step_completed', 40, at(-5, 20));
    await log(db, ids.e1, 'step_completed', 60, at(-5, 30));
    ids.e2 = await execution(db, { type: 'alpha', status: 'failed', created: at(-5, 20), ended: at(-4, 10) });
    await log(db, ids.e2, 'started', 120, at(-5, 21));
    await log(db, ids.e2, 'step_completed', 1500, at(-4, 1));
    // Minute -3: beta on the long queue, three steps; cancelled in minute -2.
    ids.e3 = await execution(db, { type: 'beta', queue: 'agents-long', status: 'cancelled', created: at(-3), ended: at(-2, 1) });
    await log(db, ids.e3, 'started', 250, at(-3, 1));
    for (const ms of [250, 250, 1000]) await log(db, ids.e3, 'step_completed', ms, at(-3, 5));
    await usage(db, ids.e1, 'alice', 'gpt-4o-mini', [100, 10], 0.001, at(-5, 20));
    await usage(db, ids.e2, 'alice', 'gpt-4o-mini', [300, 30], 0.003, at(-4, 1));
    await usage(db, ids.e3, 'bob', 'claude-sonnet', [200, 20], 0.02, at(-3, 5));

    // Now: running (one live, one whose worker died 10 min ago), pending (one for 10 min), scheduled (one due 20 min ago), parked.
    await execution(db, { type: 'alpha', status: 'running', created: at(-1), heartbeat: at(0, 25) });
    ids.dead = await execution(db, { type: 'alpha', status: 'running', created: at(-30), heartbeat: at(-10) });
    ids.waiting = await execution(db, { type: 'beta', status: 'pending', created: at(-10), user: 'bob' });
    await execution(db, { type: 'beta', status: 'pending', created: at(0, 1) });
    ids.overdue = await execution(db, { type: 'beta', status: 'scheduled', created: at(-40), scheduledFor: at(-20) });
    await execution(db, { type: 'beta', status: 'scheduled', created: at(-40), scheduledFor: at(60) });
    for (const status of ['awaiting_event', 'awaiting_input', 'paused', 'paused'])
      await execution(db, { type: 'alpha', status, created: at(-50, 0) });

    // Another tenant, same minutes: never in t1's figures.
    const other = await execution(db, {
      tenant: 't2',
      user: 'mallory',
      type: 'alpha',
      status: 'failed',
      created: at(-5),
      ended: at(-5, 30),
    });
    await log(db, other, 'started', 9000, at(-5, 1));
    await log(db, other, 'step_completed', 9000, at(-5, 2));
    await usage(db, other, 'mallory', 'gpt-4o', [999, 999], 9, at(-5, 2), 't2');

    // Budgets this month: the tenant's 90 % used (an alert), alice's 10 %, carol's set but no job since (no ledger row: spend from her records).
    await db.sql.query(
      `INSERT INTO agent_budgets (tenant_id, user_id, monthly_tokens, monthly_usd) VALUES ('t1', '', NULL, 1), ('t1', 'carol', 500, NULL)`,
    );
    await db.sql.query(
      `INSERT INTO agent_budget_ledger (tenant_id, user_id, period, spent_tokens, spent_usd, reserved_tokens, reserved_usd, limit_tokens, limit_usd)
       VALUES ('t1', '', date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC')::date, 0, 0.85, 0, 0.05, NULL, 1),
              ('t1', 'alice', date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC')::date, 100, 0, 0, 0, 1000, NULL)`,
      [NOW],
    );
    await usage(db, null, 'carol', 'gpt-4o-mini', [400, 50], 0.0001, at(-50));
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('fills the window from the existing rows on a first run, and answers the overview bucket by bucket', async () => {
    const { steps } = await rollup.run({ now: NOW });
    // The first run backfills from the hour of the oldest row, then rewrites the recent minutes.
    expect(steps.at(-1)).toMatchObject({ ran: true, caughtUp: true });

    const o = await stats.overview('t1', 'hour', NOW);
    expect(o).toMatchObject({ window: 'hour', bucket_seconds: 60, from: at(-59).toISOString(), to: at(1).toISOString() });
    expect(o.series).toHaveLength(60);
    expect(o.series[0]!.at).toBe(at(-59).toISOString());
    const bucket = (m: number) => o.series.find((b) => b.at === at(m).toISOString())!;
    expect(bucket(-5)).toEqual({
      at: at(-5).toISOString(),
      started: 2,
      completed: 0,
      failed: 0,
      cancelled: 0,
      steps: 2,
      step: { p50_ms: 40, p95_ms: 60 },
      wait: { p50_ms: 120, p95_ms: 2000 },
      input_tokens: 100,
      output_tokens: 10,
      cost_usd: 0.001,
    });
    expect(bucket(-4)).toMatchObject({
      started: 0,
      completed: 1,
      failed: 1,
      steps: 1,
      step: { p50_ms: 1500, p95_ms: 1500 },
      input_tokens: 300,
    });
    expect(bucket(-3)).toMatchObject({ started: 1, steps: 3, step: { p50_ms: 250, p95_ms: 1000 }, wait: { p50_ms: 250, p95_ms: 250 } });
    expect(bucket(-2)).toMatchObject({ cancelled: 1, steps: 0, step: { p50_ms: null, p95_ms: null } });
    // Running, pending, scheduled and parked ones created in the window count as started; the rest are zeros.
    expect(bucket(-1)).toMatchObject({ started: 1, steps: 0 });
    expect(bucket(-6)).toMatchObject({ started: 0, completed: 0, steps: 0, cost_usd: 0, wait: { p50_ms: null, p95_ms: null } });

    expect(o.totals).toEqual({
      // e1, e2, e3, two running, two pending, two scheduled, four parked.
      started: 13,
      completed: 1,
      failed: 1,
      cancelled: 1,
      failure_rate: 0.3333,
      steps: 6,
      // 40, 60, 250, 250, 1000, 1500: rank 3 and rank 6.
      step: { p50_ms: 250, p95_ms: 1500 },
      // 120, 250, 2000.
      wait: { p50_ms: 250, p95_ms: 2000 },
      input_tokens: 1000,
      output_tokens: 110,
      cost_usd: 0.0241,
    });
    expect(o.current).toEqual({
      running: 2,
      parked: { scheduled: 2, pending: 2, paused: 2, awaiting_input: 1, awaiting_event: 1, awaiting_children: 0 },
    });
  });

  it('raises each kind of alert', async () => {
    const { alerts } = await stats.overview('t1', 'hour', NOW);
    expect(alerts.filter((a) => a.kind === 'stuck_execution')).toEqual([
      expect.objectContaining({
        execution_id: ids.overdue,
        status: 'scheduled',
        since: at(-20).toISOString(),
        message: 'Due 20 min ago and not started',
      }),
      // Stuck as long (since minute -10): the older one first.
      expect.objectContaining({ execution_id: ids.dead, status: 'running', since: at(-10).toISOString() }),
      expect.objectContaining({
        execution_id: ids.waiting,
        status: 'pending',
        user_id: 'bob',
        agent_type: 'beta',
        since: at(-10).toISOString(),
      }),
    ]);
    // alpha: 1 of 2 finished failed (the threshold is 50 % of at least 2); beta: 0 of 1.
    expect(alerts.filter((a) => a.kind === 'failing_agent_type')).toEqual([
      {
        kind: 'failing_agent_type',
        agent_type: 'alpha',
        failed: 1,
        finished: 2,
        failure_rate: 0.5,
        message: expect.stringContaining('alpha: 1 of 2'),
      },
    ]);
    const budgets = alerts.filter((a) => a.kind === 'budget_near_limit');
    expect(budgets.map((a) => a.kind === 'budget_near_limit' && [a.user_id, a.used_ratio])).toEqual([
      [null, 0.9],
      ['carol', 0.9],
    ]);
    expect(budgets[1]).toMatchObject({ budget: { scope: 'user', limit_tokens: 500, spent_tokens: 450, reserved_tokens: 0 } });
  });

  it('gives the same totals over the day and the week, in their own buckets', async () => {
    const hour = await stats.overview('t1', 'hour', NOW);
    for (const [window, buckets, seconds] of [
      ['day', 144, 600],
      ['week', 168, 3600],
    ] as const) {
      const o = await stats.overview('t1', window, NOW);
      expect(o.series, window).toHaveLength(buckets);
      expect(o.bucket_seconds).toBe(seconds);
      expect(o.totals, window).toEqual(hour.totals);
    }
  });

  it('answers queues and usage from the same buckets, per queue, model and user', async () => {
    const q = await stats.queues('t1', 'hour', NOW);
    expect(q.queues.map((x) => x.queue)).toEqual(['agents-default', 'agents-long', 'agents-priority']);
    const byQueue = Object.fromEntries(q.queues.map((x) => [x.queue, x]));
    expect(byQueue['agents-default']!.series.find((b) => b.at === at(-5).toISOString())).toEqual({
      at: at(-5).toISOString(),
      started: 2,
      finished: 0,
      wait: { p50_ms: 120, p95_ms: 2000 },
    });
    expect(byQueue['agents-long']!.series.find((b) => b.at === at(-2).toISOString())).toMatchObject({ started: 0, finished: 1 });
    expect(byQueue['agents-default']).toMatchObject({ running: 2, workers: [] });

    const u = await stats.usage('t1', 'hour', NOW);
    expect(u.by_model).toEqual([
      { model: 'claude-sonnet', input_tokens: 200, output_tokens: 20, cost_usd: 0.02, requests: 1 },
      { model: 'gpt-4o-mini', input_tokens: 800, output_tokens: 90, cost_usd: 0.0041, requests: 3 },
    ]);
    expect(u.by_user.map((x) => [x.user_id, x.requests])).toEqual([
      ['bob', 1],
      ['alice', 2],
      ['carol', 1],
    ]);
    expect(u.series.find((b) => b.at === at(-3).toISOString())).toEqual({
      at: at(-3).toISOString(),
      input_tokens: 200,
      output_tokens: 20,
      cost_usd: 0.02,
    });
    expect(u.budgets.map((b) => [b.user_id, b.scope, b.limit_tokens, b.limit_usd, b.spent_tokens, b.spent_usd, b.reserved_usd])).toEqual([
      [null, 'tenant', null, 1, 0, 0.85, 0.05],
      ['alice', 'user', 1000, null, 100, 0, 0],
      ['carol', 'user', 500, null, 450, 0.0001, 0],
    ]);

    // Another tenant's admin sees none of it.
    const other = await stats.overview('t2', 'hour', NOW);
    expect(other.totals).toMatchObject({ started: 1, failed: 1, steps: 1, step: { p50_ms: 9000 }, input_tokens: 999 });
    expect(other.current.running).toBe(0);
    expect((await stats.usage('t2', 'hour', NOW)).by_user.map((x) => x.user_id)).toEqual(['mallory']);
  });

  it('counts a row committed late into a bucket already rolled up, at the next cycle', async () => {
    const later = new Date(NOW.getTime() + 5_000);
    // Committed after the last cycle, dated when its statement began: in minute -1, already written.
    await log(db, ids.e1, 'step_completed', 70, at(-1, 50));
    await execution(db, { type: 'beta', status: 'pending', created: at(-1, 55) });
    expect((await stats.overview('t1', 'hour', later)).series.find((b) => b.at === at(-1).toISOString())).toMatchObject({
      started: 1,
      steps: 0,
    });

    const { steps } = await rollup.run({ now: later });
    // Caught up: the minutes of the last 180 s, from the start of the one they begin in.
    expect(steps).toEqual([expect.objectContaining({ ran: true, caughtUp: true, from: at(-3) })]);
    const o = await stats.overview('t1', 'hour', later);
    expect(o.series.find((b) => b.at === at(-1).toISOString())).toMatchObject({ started: 2, steps: 1, step: { p50_ms: 70, p95_ms: 70 } });
    expect(o.totals).toMatchObject({ steps: 7, step: { p50_ms: 250, p95_ms: 1500 } });
    // Rewriting the same minutes again changes nothing, from two nodes at once too (they take turns).
    await Promise.all([rollup.run({ now: later }), new StatsRollup(db.sql, ROLLUP).run({ now: later })]);
    expect((await stats.overview('t1', 'hour', later)).totals).toEqual(o.totals);
  });

  it('records the queue wait in the started row the lease writes: from pending, from a due schedule, from a stale lease', async () => {
    const store = t.app.get(ExecutionStore);
    const pending = await execution(db, { type: 'alpha', status: 'pending', created: new Date(), user: 'dora' });
    await db.sql.query(`UPDATE agent_executions SET updated_at = now() - interval '3 seconds' WHERE id = $1`, [pending]);
    const due = await execution(db, { type: 'alpha', status: 'scheduled', created: new Date(), user: 'dora' });
    await db.sql.query(`UPDATE agent_executions SET scheduled_for = now() - interval '2 seconds' WHERE id = $1`, [due]);
    const stale = await execution(db, { type: 'alpha', status: 'running', created: new Date(), user: 'dora' });
    await db.sql.query(`UPDATE agent_executions SET lease_heartbeat_at = now() - interval '40 seconds' WHERE id = $1`, [stale]);

    const waited = async (id: string) => {
      const lease = await store.acquireLease(id, 'test-runner', 30_000);
      expect(lease, id).not.toBeNull();
      return lease!.log.context.waited_ms as number;
    };
    expect(await waited(pending)).toSatisfy((ms: number) => ms >= 3000 && ms < 4500);
    expect(await waited(due)).toSatisfy((ms: number) => ms >= 2000 && ms < 3500);
    // Ready when its lease went stale: the heartbeat plus the lease timeout, 10 s ago.
    expect(await waited(stale)).toSatisfy((ms: number) => ms >= 10_000 && ms < 11_500);
  });
});

describe('the dashboard seed', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // NOTE: as the database's own pool: a connection still closing when the drop ends it says so, harmlessly.
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('writes the sizes asked for, and the rollup agrees with the rows over the week', async () => {
    const now = await seedDashboard(pool, { executions: 3000, logRows: 40_000, usageRecords: 6000, days: 2 });
    const count = async (sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].n);
    expect(await count(`SELECT count(*) AS n FROM agent_executions`)).toBe(3000);
    expect(await count(`SELECT count(*) AS n FROM agent_logs`)).toBe(40_000);
    expect(await count(`SELECT count(*) AS n FROM token_usage_records`)).toBe(6000);

    const from = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 167 * 3_600_000);
    const week = (
      await pool.query(
        `SELECT sum(created)::int AS created, sum(steps)::int AS steps FROM agent_stats_rollups
         WHERE tenant_id = 'acme' AND bucket_seconds = 3600 AND dimension = '' AND bucket_at >= $1`,
        [from],
      )
    ).rows[0];
    expect(week.created).toBe(
      await count(`SELECT count(*) AS n FROM agent_executions WHERE tenant_id = 'acme' AND created_at >= $1`, [from]),
    );
    expect(week.steps).toBe(
      await count(
        `SELECT count(*) AS n FROM agent_logs l JOIN agent_executions e ON e.id = l.execution_id
         WHERE e.tenant_id = 'acme' AND l.event_type = 'step_completed' AND l.created_at >= $1`,
        [from],
      ),
    );
  });
});
