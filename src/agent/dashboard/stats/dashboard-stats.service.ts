import { Inject, Injectable } from '@nestjs/common';
import { BudgetService } from '../../billing/budget.service.js';
import { PARKED_STATUSES } from '../../executions/execution-status.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { ALL_QUEUES } from '../../infrastructure/queue-names.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { QueueStatsService } from '../../observability/queue-stats.service.js';
import type { ResolvedDashboardOptions } from '../dashboard.options.js';
import { budgetAlerts, failingTypeAlerts, stuckAlert, type OutcomeSums, type StuckRow } from './stats-alerts.js';
import { CURRENT_SQL, SERIES_SQL, STUCK_SQL, WINDOW_PERCENTILES_SQL, WINDOW_SUMS_SQL } from './stats-reads.sql.js';
import type { DurationPercentiles, OverviewBucket, OverviewView, ParkedStatus, QueueBucket, QueuesView, UsageView } from './stats-views.js';
import { QueueWorkers } from './queue-workers.js';
import { windowRange, type StatsWindow, type WindowRange } from './stats-window.js';

/** A rollup row as `SERIES_SQL` reads it (bigint and numeric as strings). */
interface SeriesRow {
  bucket_at: Date;
  key: string;
  created: number;
  completed: number;
  failed: number;
  cancelled: number;
  leases: number;
  steps: number;
  step_p50_ms: string | null;
  step_p95_ms: string | null;
  wait_p50_ms: string | null;
  wait_p95_ms: string | null;
  input_tokens: string;
  output_tokens: string;
  cost_usd: string;
  requests: number;
}

interface SumsRow {
  key: string;
  completed: number;
  failed: number;
  cancelled: number;
  input_tokens: string;
  output_tokens: string;
  cost_usd: string;
  requests: number;
}

type Dimension = '' | 'queue' | 'agent_type' | 'user' | 'model';

/**
 * The dashboard's charts for one tenant: read from the rollup (`agent_stats_rollups`, kept by the
 * rollup job) and from what runs and waits now, never from the history itself, so each answer
 * costs the same with a million executions as with ten. `now` is for tests.
 */
@Injectable()
export class DashboardStatsService {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedDashboardOptions,
    private readonly queueStats: QueueStatsService,
    private readonly workers: QueueWorkers,
    private readonly budgets: BudgetService,
  ) {
    this.pool = database.pool;
  }

  async overview(tenantId: string, window: StatsWindow, now = new Date()): Promise<OverviewView> {
    const range = windowRange(window, now);
    const thresholds = this.options.dashboard.stats.alerts;
    const [rows, percentiles, types, current, stuck, budgets] = await Promise.all([
      this.series(tenantId, range, ''),
      this.windowPercentiles(tenantId, range),
      this.sums(tenantId, range, 'agent_type'),
      this.current(tenantId),
      this.stuck(tenantId, now),
      this.budgets.tenantBudgets(tenantId, now),
    ]);
    const series = range.buckets.map((at) => overviewBucket(at, rows.get(at.getTime())));
    const total = (pick: (b: OverviewBucket) => number) => series.reduce((sum, b) => sum + pick(b), 0);
    const finished = total((b) => b.completed + b.failed + b.cancelled);
    return {
      ...windowOf(range),
      series,
      totals: {
        started: total((b) => b.started),
        completed: total((b) => b.completed),
        failed: total((b) => b.failed),
        cancelled: total((b) => b.cancelled),
        failure_rate: finished === 0 ? null : Math.round((total((b) => b.failed) / finished) * 10_000) / 10_000,
        steps: total((b) => b.steps),
        step: percentiles.step,
        wait: percentiles.wait,
        input_tokens: total((b) => b.input_tokens),
        output_tokens: total((b) => b.output_tokens),
        cost_usd: usd(total((b) => b.cost_usd)),
      },
      current,
      alerts: [
        ...stuck.map((row) => stuckAlert(row, now)),
        ...failingTypeAlerts(types, thresholds, window),
        ...budgetAlerts(budgets, thresholds),
      ],
    };
  }

  async queues(tenantId: string, window: StatsWindow, now = new Date()): Promise<QueuesView> {
    const range = windowRange(window, now);
    const [stats, rows, workers] = await Promise.all([
      this.queueStats.stats(tenantId),
      this.seriesByKey(tenantId, range, 'queue'),
      Promise.all(ALL_QUEUES.map(async (queue) => [queue, await this.workers.of(queue)] as const)).then((list) => new Map(list)),
    ]);
    return {
      ...windowOf(range),
      queues: stats.map((s) => ({
        ...s,
        series: range.buckets.map((at) => queueBucket(at, rows.get(s.queue)?.get(at.getTime()))),
        workers: workers.get(s.queue) ?? [],
      })),
    };
  }

  async usage(tenantId: string, window: StatsWindow, now = new Date()): Promise<UsageView> {
    const range = windowRange(window, now);
    const [rows, byModel, byUser, budgets] = await Promise.all([
      this.series(tenantId, range, ''),
      this.sums(tenantId, range, 'model'),
      this.sums(tenantId, range, 'user'),
      this.budgets.tenantBudgets(tenantId, now),
    ]);
    return {
      ...windowOf(range),
      series: range.buckets.map((at) => {
        const { input_tokens, output_tokens, cost_usd } = overviewBucket(at, rows.get(at.getTime()));
        return { at: at.toISOString(), input_tokens, output_tokens, cost_usd };
      }),
      by_model: byModel.map((s) => ({ model: s.key, ...usageLine(s) })),
      by_user: byUser.map((s) => ({ user_id: s.key, ...usageLine(s) })),
      budgets,
    };
  }

  /** The window's rows of one dimension's one key (the tenant's: ''), by bucket start. */
  private async series(tenantId: string, range: WindowRange, dimension: Dimension): Promise<Map<number, SeriesRow>> {
    return (await this.seriesByKey(tenantId, range, dimension)).get('') ?? new Map();
  }

  private async seriesByKey(tenantId: string, range: WindowRange, dimension: Dimension): Promise<Map<string, Map<number, SeriesRow>>> {
    const { rows } = await this.pool.query<SeriesRow>(SERIES_SQL, [tenantId, range.bucketSeconds, dimension, range.from, range.to]);
    const byKey = new Map<string, Map<number, SeriesRow>>();
    for (const row of rows) {
      const series = byKey.get(row.key) ?? new Map<number, SeriesRow>();
      series.set(row.bucket_at.getTime(), row);
      byKey.set(row.key, series);
    }
    return byKey;
  }

  private async windowPercentiles(tenantId: string, range: WindowRange): Promise<{ step: DurationPercentiles; wait: DurationPercentiles }> {
    const { rows } = await this.pool.query<Record<'step_p50_ms' | 'step_p95_ms' | 'wait_p50_ms' | 'wait_p95_ms', string | null>>(
      WINDOW_PERCENTILES_SQL,
      [tenantId, range.bucketSeconds, range.from, range.to],
    );
    const r = rows[0];
    return {
      step: { p50_ms: ms(r?.step_p50_ms), p95_ms: ms(r?.step_p95_ms) },
      wait: { p50_ms: ms(r?.wait_p50_ms), p95_ms: ms(r?.wait_p95_ms) },
    };
  }

  private async sums(tenantId: string, range: WindowRange, dimension: Dimension): Promise<(SumsRow & OutcomeSums)[]> {
    return (await this.pool.query<SumsRow>(WINDOW_SUMS_SQL, [tenantId, range.bucketSeconds, dimension, range.from, range.to])).rows;
  }

  private async current(tenantId: string): Promise<OverviewView['current']> {
    const { rows } = await this.pool.query<{ status: string; n: number }>(CURRENT_SQL, [tenantId]);
    const count = new Map(rows.map((r) => [r.status, r.n]));
    const parked = Object.fromEntries(PARKED_STATUSES.map((s) => [s, count.get(s) ?? 0])) as Record<ParkedStatus, number>;
    return { running: count.get('running') ?? 0, parked };
  }

  private async stuck(tenantId: string, now: Date): Promise<StuckRow[]> {
    const { stuckAfterSeconds, maxStuck } = this.options.dashboard.stats.alerts;
    return (await this.pool.query<StuckRow>(STUCK_SQL, [tenantId, now, stuckAfterSeconds, maxStuck])).rows;
  }
}

const windowOf = (range: WindowRange) => ({
  window: range.window,
  from: range.from.toISOString(),
  to: range.to.toISOString(),
  bucket_seconds: range.bucketSeconds,
});

const ms = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));

const usd = (value: number): number => Math.round(value * 1e6) / 1e6;

function overviewBucket(at: Date, row: SeriesRow | undefined): OverviewBucket {
  return {
    at: at.toISOString(),
    started: row?.created ?? 0,
    completed: row?.completed ?? 0,
    failed: row?.failed ?? 0,
    cancelled: row?.cancelled ?? 0,
    steps: row?.steps ?? 0,
    step: { p50_ms: ms(row?.step_p50_ms), p95_ms: ms(row?.step_p95_ms) },
    wait: { p50_ms: ms(row?.wait_p50_ms), p95_ms: ms(row?.wait_p95_ms) },
    input_tokens: Number(row?.input_tokens ?? 0),
    output_tokens: Number(row?.output_tokens ?? 0),
    cost_usd: usd(Number(row?.cost_usd ?? 0)),
  };
}

function queueBucket(at: Date, row: SeriesRow | undefined): QueueBucket {
  return {
    at: at.toISOString(),
    started: row?.leases ?? 0,
    finished: (row?.completed ?? 0) + (row?.failed ?? 0) + (row?.cancelled ?? 0),
    wait: { p50_ms: ms(row?.wait_p50_ms), p95_ms: ms(row?.wait_p95_ms) },
  };
}

const usageLine = (s: SumsRow) => ({
  input_tokens: Number(s.input_tokens),
  output_tokens: Number(s.output_tokens),
  cost_usd: usd(Number(s.cost_usd)),
  requests: s.requests,
});
