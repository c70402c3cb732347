import type { BudgetState } from '../../billing/budget-exceeded.error.js';
import type { ExecutionStatus } from '../../executions/execution-status.js';
import type { ResolvedDashboardOptions } from '../dashboard.options.js';
import type { DashboardAlert } from './stats-views.js';

type AlertThresholds = ResolvedDashboardOptions['dashboard']['stats']['alerts'];

export interface StuckRow {
  id: string;
  agent_type: string;
  user_id: string;
  status: ExecutionStatus;
  since: Date;
}

export interface OutcomeSums {
  key: string;
  completed: number;
  failed: number;
  cancelled: number;
}

/** How long, in words an operator reads at a glance. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}

export function stuckAlert(row: StuckRow, now: Date): DashboardAlert {
  const idle = ago(now.getTime() - row.since.getTime());
  const message =
    row.status === 'running'
      ? `Running with no heartbeat for ${idle}: no worker holds it`
      : row.status === 'pending'
        ? `Pending for ${idle}: no worker has taken it`
        : `Due ${idle} ago and not started`;
  return {
    kind: 'stuck_execution',
    execution_id: row.id,
    agent_type: row.agent_type,
    user_id: row.user_id,
    status: row.status,
    since: row.since.toISOString(),
    message,
  };
}

/** Agent types that failed at least `failureRate` of their finished runs in the window, with `minFinishedRuns` of them; worst first. */
export function failingTypeAlerts(sums: readonly OutcomeSums[], thresholds: AlertThresholds, windowName: string): DashboardAlert[] {
  return sums
    .map((s) => ({ ...s, finished: s.completed + s.failed + s.cancelled }))
    .filter((s) => s.finished >= thresholds.minFinishedRuns && s.failed / s.finished >= thresholds.failureRate)
    .map((s) => ({ ...s, rate: ratio(s.failed / s.finished) }))
    .sort((a, b) => b.rate - a.rate || a.key.localeCompare(b.key))
    .map((s) => ({
      kind: 'failing_agent_type' as const,
      agent_type: s.key,
      failed: s.failed,
      finished: s.finished,
      failure_rate: s.rate,
      message: `${s.key}: ${s.failed} of ${s.finished} finished runs failed (${Math.round(s.rate * 100)} %) in the last ${windowName}`,
    }));
}

/** The share of a budget's limit that is spent or reserved: the larger of tokens and dollars, for the limits it has. */
export function usedRatio(b: BudgetState): number {
  const shares = [
    b.limit_tokens === null ? null : share(b.spent_tokens + b.reserved_tokens, b.limit_tokens),
    b.limit_usd === null ? null : share(b.spent_usd + b.reserved_usd, b.limit_usd),
  ].filter((s): s is number => s !== null);
  return ratio(Math.max(0, ...shares));
}

export function budgetAlerts(
  budgets: readonly (BudgetState & { user_id: string | null })[],
  thresholds: AlertThresholds,
): DashboardAlert[] {
  return budgets
    .map(({ user_id, ...budget }) => ({ user_id, budget, used: usedRatio(budget) }))
    .filter((b) => b.used >= thresholds.budgetUsedRatio)
    .sort((a, b) => b.used - a.used)
    .map((b) => ({
      kind: 'budget_near_limit' as const,
      user_id: b.user_id,
      used_ratio: b.used,
      budget: b.budget,
      message: `${b.user_id === null ? "The tenant's" : `${b.user_id}'s`} monthly budget is ${Math.round(b.used * 100)} % used (spent and reserved)`,
    }));
}

/** A limit of 0 is used up as soon as it exists. */
const share = (used: number, limit: number): number => (limit > 0 ? used / limit : 1);

const ratio = (value: number): number => Math.round(value * 10_000) / 10_000;
