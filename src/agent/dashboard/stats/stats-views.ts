import type { BudgetState } from '../../billing/budget-exceeded.error.js';
import type { UsageLine } from '../../billing/usage.service.js';
import type { ExecutionStatus } from '../../executions/execution-status.js';
import type { QueueStats } from '../../observability/queue-stats.service.js';
import type { StatsWindow } from './stats-window.js';

/**
 * What the statistics routes answer, field for field (`client/dashboard-types.ts` is the client's
 * copy). Times are ISO strings; durations milliseconds.
 */

export type ParkedStatus = 'scheduled' | 'pending' | 'paused' | 'awaiting_input' | 'awaiting_event' | 'awaiting_children';

/** Nearest-rank percentiles, to two significant digits (see `duration-histogram.ts`); null when nothing was measured. */
export interface DurationPercentiles {
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface OverviewBucket {
  at: string;
  /** Executions created in the bucket (a start, a schedule's tick, a turn, a stage, a subagent). */
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  steps: number;
  step: DurationPercentiles;
  /** Queue wait: from becoming ready (created, woken, resumed, due) to a worker taking the lease. */
  wait: DurationPercentiles;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export type DashboardAlert =
  | {
      kind: 'stuck_execution';
      execution_id: string;
      agent_type: string;
      user_id: string;
      status: ExecutionStatus;
      since: string;
      message: string;
    }
  | { kind: 'failing_agent_type'; agent_type: string; failed: number; finished: number; failure_rate: number; message: string }
  | { kind: 'budget_near_limit'; user_id: string | null; used_ratio: number; budget: BudgetState; message: string };

interface WindowView {
  window: StatsWindow;
  from: string;
  to: string;
  bucket_seconds: number;
}

export interface OverviewView extends WindowView {
  series: OverviewBucket[];
  totals: Omit<OverviewBucket, 'at'> & { failure_rate: number | null };
  current: { running: number; parked: Record<ParkedStatus, number> };
  alerts: DashboardAlert[];
}

export interface QueueBucket {
  at: string;
  /** Leases a worker of this queue took (a start or a resume) in the bucket. */
  started: number;
  finished: number;
  wait: DurationPercentiles;
}

export interface QueueWorker {
  name: string;
  addr: string | null;
  age_seconds: number | null;
  idle_seconds: number | null;
}

export interface QueuesView extends WindowView {
  queues: (QueueStats & { series: QueueBucket[]; workers: QueueWorker[] })[];
}

export interface UsageView extends WindowView {
  series: { at: string; input_tokens: number; output_tokens: number; cost_usd: number }[];
  by_model: (UsageLine & { model: string })[];
  by_user: (UsageLine & { user_id: string })[];
  budgets: (BudgetState & { user_id: string | null })[];
}
