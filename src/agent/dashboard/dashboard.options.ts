import type { ResolvedExecutionOptions } from '../executions/executions.options.js';

export interface DashboardOptions {
  /** Serve the admin dashboard (default false). Admins only; see the README's security section. */
  enabled?: boolean;
  /** Where the page is served (default `/agents-dashboard`); bull-board is under `<path>/queues`. */
  path?: string;
  /** The charts' statistics (`/api/admin/dashboard/overview`, `queues`, `usage`): the rollup job and the alerts. */
  stats?: DashboardStatsOptions;
}

export interface DashboardStatsOptions {
  /**
   * How often this node's rollup job brings the statistics up to date (default 5000 ms): the newest
   * bucket lags by at most this. `0`: no job on this node (another node's keeps them; nodes take turns
   * through an advisory lock, so running it on every node is safe).
   */
  rollupIntervalMs?: number;
  /** Each cycle rewrites the buckets of the last this many seconds, so rows committed late are counted (default 180). */
  recomputeSeconds?: number;
  /** A first boot over existing rows fills the rollup this many hours back (default 168, the week window; at most 168). */
  backfillHours?: number;
  alerts?: DashboardAlertOptions;
}

export interface DashboardAlertOptions {
  /**
   * A running execution whose worker has not heartbeaten, or a pending (or due scheduled) one no
   * worker has taken, for longer than this is stuck (default 300 s; more than the lease timeout).
   */
  stuckAfterSeconds?: number;
  /** An agent type fails this share of its finished runs over the window, or more (default 0.25)… */
  failureRate?: number;
  /** …with at least this many finished runs in the window (default 10). */
  minFinishedRuns?: number;
  /** A monthly budget whose spent plus reserved share of its limit reaches this (default 0.8). */
  budgetUsedRatio?: number;
  /** At most this many stuck executions are listed, those stuck longest first (default 20). */
  maxStuck?: number;
}

export interface ResolvedDashboardOptions {
  dashboard: {
    enabled: boolean;
    path: string;
    stats: Required<Omit<DashboardStatsOptions, 'alerts'>> & { alerts: Required<DashboardAlertOptions> };
  };
}

export function resolveDashboardOptions(
  input: DashboardOptions | undefined,
  lease: ResolvedExecutionOptions['lease'],
  problems: string[],
): ResolvedDashboardOptions {
  const stats = input?.stats;
  const alerts = stats?.alerts;
  const dashboard = {
    enabled: input?.enabled ?? false,
    path: input?.path ?? '/agents-dashboard',
    stats: {
      rollupIntervalMs: stats?.rollupIntervalMs ?? 5000,
      recomputeSeconds: stats?.recomputeSeconds ?? 180,
      backfillHours: stats?.backfillHours ?? 168,
      alerts: {
        stuckAfterSeconds: alerts?.stuckAfterSeconds ?? 300,
        failureRate: alerts?.failureRate ?? 0.25,
        minFinishedRuns: alerts?.minFinishedRuns ?? 10,
        budgetUsedRatio: alerts?.budgetUsedRatio ?? 0.8,
        maxStuck: alerts?.maxStuck ?? 20,
      },
    },
  };
  if (typeof dashboard.enabled !== 'boolean') problems.push('dashboard.enabled must be a boolean');
  const path = dashboard.path;
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9_.-]+)+$/.test(path) || /^\/(api|socket\.io)(\/|$)/.test(path)) {
    problems.push("dashboard.path must be a path such as '/agents-dashboard' (no trailing slash, not under /api or /socket.io)");
  }
  problems.push(...findStatsProblems(dashboard.stats, lease));
  return { dashboard };
}

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isRatio = (v: unknown): boolean => typeof v === 'number' && v > 0 && v <= 1;

function findStatsProblems(stats: ResolvedDashboardOptions['dashboard']['stats'], lease: ResolvedExecutionOptions['lease']): string[] {
  const problems: string[] = [];
  const { alerts } = stats;
  if (!isInt(stats.rollupIntervalMs, 0))
    problems.push('dashboard.stats.rollupIntervalMs must be an integer ≥ 0 (0: no rollup job on this node)');
  if (!isInt(stats.recomputeSeconds, 60, 86_400)) problems.push('dashboard.stats.recomputeSeconds must be an integer from 60 to 86400');
  if (!isInt(stats.backfillHours, 0, 168)) problems.push('dashboard.stats.backfillHours must be an integer from 0 to 168');
  if (!isInt(alerts.stuckAfterSeconds, 1)) {
    problems.push('dashboard.stats.alerts.stuckAfterSeconds must be a positive integer');
  } else if (Number.isInteger(lease.timeoutMs) && alerts.stuckAfterSeconds * 1000 <= lease.timeoutMs) {
    problems.push(
      `dashboard.stats.alerts.stuckAfterSeconds must be more than the lease timeout (${lease.timeoutMs / 1000} s): ` +
        'a chunk waiting for its continuation has a heartbeat that old',
    );
  }
  if (!isRatio(alerts.failureRate)) problems.push('dashboard.stats.alerts.failureRate must be a number above 0, at most 1');
  if (!isInt(alerts.minFinishedRuns, 1)) problems.push('dashboard.stats.alerts.minFinishedRuns must be a positive integer');
  if (!isRatio(alerts.budgetUsedRatio)) problems.push('dashboard.stats.alerts.budgetUsedRatio must be a number above 0, at most 1');
  if (!isInt(alerts.maxStuck, 1, 1000)) problems.push('dashboard.stats.alerts.maxStuck must be an integer from 1 to 1000');
  return problems;
}
