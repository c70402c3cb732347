import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { AgentModule, DashboardStatsService, StatsRollup, windowRange, type StatsWindow } from 'nestjs-agents';
import { TENANT_BUDGETS_SQL } from '../src/agent/billing/budget-ledger.sql.js';
import {
  CURRENT_SQL,
  SERIES_SQL,
  STUCK_SQL,
  WINDOW_PERCENTILES_SQL,
  WINDOW_SUMS_SQL,
} from '../src/agent/dashboard/stats/stats-reads.sql.js';
import type { BenchContext, Benchmark } from './support/benchmark.js';
import { backgroundBusyPct } from './support/cpu.js';
import { measureFirstRender } from './support/dashboard-first-render.js';
import { adminDatabaseUrl } from './support/env.js';
import { LARGE_SEED, SEED_TENANTS, seededDatabase, type DashboardSeedSizes } from './support/seed-dashboard.js';
import { percentile, round } from './support/stats.js';

/**
 * The dashboard's statistics routes over a large history: 1,000,000 executions over two weeks,
 * 20,000,000 log rows, 3,000,000 usage records (`support/seed-dashboard.ts`, seeded once into the
 * database `agents_bench_dashboard` and reused while the sizes stay the same). Each case times one
 * call, sequentially, for the largest tenant (half of the history), with windows ending where the
 * seeded history ends: every service call (what a route answers, without HTTP), every SQL statement
 * under them, and one caught-up cycle of the rollup job. `first-render-<window>`: the overview page
 * in Chromium, from navigation to its data drawn (its windows end now, so a seed older than the
 * window shows empty buckets: `seed_age_hours` says how old it is; the statements cost the same).
 */
const NAME = 'dashboard';
const DATABASE = 'agents_bench_dashboard';
const WINDOWS: readonly StatsWindow[] = ['hour', 'day', 'week'];
const CALLS = ['overview', 'queues', 'usage'] as const;
const STATEMENTS = ['series', 'window-percentiles', 'sums-agent-type', 'sums-model', 'sums-user'] as const;
const CASES = [
  ...CALLS.flatMap((c) => WINDOWS.map((w) => `${c}-${w}`)),
  ...STATEMENTS.flatMap((s) => WINDOWS.map((w) => `sql-${s}-${w}`)),
  'sql-current',
  'sql-stuck',
  'sql-tenant-budgets',
  'rollup-cycle',
  ...WINDOWS.map((w) => `first-render-${w}`),
];
/** Page loads per window for the first-render cases, each in a fresh browser context. */
const RENDER_SAMPLES = 10;
const WARMUP = 3;
const SAMPLES = 30;
const ROLLUP_SAMPLES = 10;
const TENANT = SEED_TENANTS[0];

export const dashboard: Benchmark = {
  name: NAME,
  description: 'the dashboard statistics queries over 1M executions and 20M log rows',
  cases: CASES,
  transports: ['postgres'],
  run: async (ctx) => run(ctx),
};

/** `BENCH_DASHBOARD_SIZES=executions,logRows,usageRecords` seeds another size (a quick trial); the figures are for the default. */
function sizes(): DashboardSeedSizes {
  const custom = process.env.BENCH_DASHBOARD_SIZES?.split(',').map(Number);
  if (!custom) return LARGE_SEED;
  const [executions, logRows, usageRecords] = custom;
  return { ...LARGE_SEED, executions: executions!, logRows: logRows!, usageRecords: usageRecords! };
}

async function run(ctx: BenchContext): Promise<void> {
  const want = (c: string) => ctx.cases.length === 0 || ctx.cases.includes(c);
  const seed = sizes();
  const t0 = performance.now();
  const db = await seededDatabase(adminDatabaseUrl(), DATABASE, seed, ctx.progress);
  if (db.seeded) ctx.progress(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const now = db.seededAt;
  const pool = new pg.Pool({ connectionString: db.url, max: 4, application_name: 'nestjs-agents-bench' });
  const app = await bootApp(db.url);
  try {
    const stats = app.get(DashboardStatsService);
    const line = async (c: string, time: () => Promise<unknown>, samples = SAMPLES) => {
      if (!want(c)) return;
      const background = await backgroundBusyPct();
      const ms = await timed(time, samples);
      ctx.emit({
        bench: NAME,
        transport: 'postgres',
        case: c,
        executions: seed.executions,
        log_rows: seed.logRows,
        usage_records: seed.usageRecords,
        tenant_share_pct: 50,
        samples,
        p50_ms: round(percentile(ms, 50), 2),
        p95_ms: round(percentile(ms, 95), 2),
        max_ms: round(Math.max(...ms), 2),
        background_cpu_busy_pct: background === null ? null : round(background, 1),
      });
    };

    for (const window of WINDOWS) {
      await line(`overview-${window}`, () => stats.overview(TENANT, window, now));
      await line(`queues-${window}`, () => stats.queues(TENANT, window, now));
      await line(`usage-${window}`, () => stats.usage(TENANT, window, now));
    }
    for (const window of WINDOWS) {
      const range = windowRange(window, now);
      const span = [range.from, range.to];
      await line(`sql-series-${window}`, () => pool.query(SERIES_SQL, [TENANT, range.bucketSeconds, '', ...span]));
      await line(`sql-window-percentiles-${window}`, () => pool.query(WINDOW_PERCENTILES_SQL, [TENANT, range.bucketSeconds, ...span]));
      await line(`sql-sums-agent-type-${window}`, () => pool.query(WINDOW_SUMS_SQL, [TENANT, range.bucketSeconds, 'agent_type', ...span]));
      await line(`sql-sums-model-${window}`, () => pool.query(WINDOW_SUMS_SQL, [TENANT, range.bucketSeconds, 'model', ...span]));
      await line(`sql-sums-user-${window}`, () => pool.query(WINDOW_SUMS_SQL, [TENANT, range.bucketSeconds, 'user', ...span]));
    }
    await line('sql-current', () => pool.query(CURRENT_SQL, [TENANT]));
    await line('sql-stuck', () => pool.query(STUCK_SQL, [TENANT, now, 300, 20]));
    const period = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
    await line('sql-tenant-budgets', () => pool.query(TENANT_BUDGETS_SQL, [TENANT, period]));
    // A caught-up cycle: the last 180 s rewritten from the source rows, the 10-minute and hour buckets over them.
    const rollup = new StatsRollup(pool, { recomputeSeconds: 180, backfillHours: 168 });
    await line('rollup-cycle', () => rollup.step(now), ROLLUP_SAMPLES);
  } finally {
    await app.close();
    await pool.end();
  }
  const renders = WINDOWS.filter((w) => want(`first-render-${w}`));
  if (renders.length === 0) return;
  ctx.progress(`first render: ${RENDER_SAMPLES} page loads per window in Chromium`);
  const background = await backgroundBusyPct();
  for (const render of await measureFirstRender(db.url, TENANT, renders, RENDER_SAMPLES)) {
    ctx.emit({
      bench: NAME,
      transport: 'postgres',
      case: `first-render-${render.window}`,
      executions: seed.executions,
      log_rows: seed.logRows,
      seed_age_hours: round((Date.now() - now.getTime()) / 3_600_000, 1),
      samples: render.samples,
      p50_ms: render.p50_ms,
      p95_ms: render.p95_ms,
      max_ms: render.max_ms,
      background_cpu_busy_pct: background === null ? null : round(background, 1),
    });
  }
}

async function timed(call: () => Promise<unknown>, samples: number): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
  }
  return ms;
}

@Module({})
class DashboardBenchModule {
  static register(databaseUrl: string): DynamicModule {
    return {
      module: DashboardBenchModule,
      imports: [
        AgentModule.forRoot({
          database: { url: databaseUrl, poolSize: 10 },
          transport: 'postgres',
          // NOTE: one prefix for every run: on PostgreSQL it is the queue tables' schema, in a database that is kept.
          queuePrefix: 'bench_dashboard',
          resolvePrincipal: () => null,
          workers: { enabled: false },
          maintenance: { enabled: false },
          // The seeded history ends when it was seeded: no job here, the windows are asked for ending there.
          dashboard: { enabled: true, stats: { rollupIntervalMs: 0 } },
        }),
      ],
    };
  }
}

/** The library as an API node boots it, without HTTP or workers. */
function bootApp(databaseUrl: string): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(DashboardBenchModule.register(databaseUrl), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
}
