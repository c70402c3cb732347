/**
 * Shapes of the operator dashboard's read routes (`/api/admin/dashboard/…`, admin role) and of the
 * admin run routes it adds (timeline, retry, bulk cancel, conversation and pipeline detail), field
 * for field as the server sends them. Times are ISO strings; durations are milliseconds.
 */
import type { AdminConversation, AdminExecution, AdminPipeline, QueueStats, UsageLine } from './admin-types.js';
import type { ExecutionStatus, JsonValue } from './types.js';
import type { BudgetState, ConversationMessage } from './work-types.js';

/** How far back a chart looks: the last hour in 1-minute buckets, day in 10-minute, week in 1-hour. */
export type StatsWindow = 'hour' | 'day' | 'week';

/** Statuses where nothing runs and the run waits (a cancel lands at once). */
export type ParkedStatus = 'scheduled' | 'pending' | 'paused' | 'awaiting_input' | 'awaiting_event' | 'awaiting_children';

/** Percentiles of a set of durations, null when the set is empty. */
export interface DurationPercentiles {
  p50_ms: number | null;
  p95_ms: number | null;
}

/** One bucket of the overview's series: what happened in `[at, at + bucket_seconds)`. */
export interface OverviewBucket {
  at: string;
  started: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Steps committed in the bucket, and their duration percentiles. */
  steps: number;
  step: DurationPercentiles;
  /** Queue wait: from an execution's creation (or its wake-up) to a worker taking it. */
  wait: DurationPercentiles;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export type DashboardAlert =
  /** A non-terminal execution whose worker stopped heartbeating, or that has made no progress for longer than the threshold. */
  | {
      kind: 'stuck_execution';
      execution_id: string;
      agent_type: string;
      user_id: string;
      status: ExecutionStatus;
      since: string;
      message: string;
    }
  /** An agent type whose failure rate over the window passes the threshold (with enough finished runs to mean something). */
  | { kind: 'failing_agent_type'; agent_type: string; failed: number; finished: number; failure_rate: number; message: string }
  /** A budget whose spent plus reserved share of its limit passes the threshold (`user_id` null: the tenant's). */
  | { kind: 'budget_near_limit'; user_id: string | null; used_ratio: number; budget: BudgetState; message: string };

/** `GET /api/admin/dashboard/overview?window=hour|day|week`. */
export interface DashboardOverview {
  window: StatsWindow;
  from: string;
  to: string;
  bucket_seconds: number;
  /** Oldest first, one entry per bucket of the window (empty buckets are zeros, never missing). */
  series: OverviewBucket[];
  totals: {
    started: number;
    completed: number;
    failed: number;
    cancelled: number;
    /** failed ÷ (completed + failed + cancelled) over the window; null when nothing finished. */
    failure_rate: number | null;
    steps: number;
    step: DurationPercentiles;
    wait: DurationPercentiles;
    input_tokens: number;
    output_tokens: number;
    cost_usd: number;
  };
  /** Right now: executions running, and parked ones by status. */
  current: { running: number; parked: Record<ParkedStatus, number> };
  alerts: DashboardAlert[];
}

/** One bucket of a queue's series. */
export interface QueueBucket {
  at: string;
  /** Executions a worker of this queue took (started or resumed) in the bucket. */
  started: number;
  finished: number;
  wait: DurationPercentiles;
}

/** A worker connection BullMQ reports on a queue. */
export interface QueueWorker {
  name: string;
  addr: string | null;
  /** Seconds since it connected, and since its last command. */
  age_seconds: number | null;
  idle_seconds: number | null;
}

/** `GET /api/admin/dashboard/queues?window=…`: every queue's depth now, its series, and the workers on it. */
export interface DashboardQueues {
  window: StatsWindow;
  from: string;
  to: string;
  bucket_seconds: number;
  queues: (QueueStats & { series: QueueBucket[]; workers: QueueWorker[] })[];
}

/** `GET /api/admin/dashboard/usage?window=…`: cost over time, by model and by user, and every budget set in the tenant. */
export interface DashboardUsage {
  window: StatsWindow;
  from: string;
  to: string;
  bucket_seconds: number;
  series: { at: string; input_tokens: number; output_tokens: number; cost_usd: number }[];
  by_model: (UsageLine & { model: string })[];
  by_user: (UsageLine & { user_id: string })[];
  /** The tenant's budget (when one is set) and every user's that has one, this period: limit, spent, reserved. */
  budgets: (BudgetState & { user_id: string | null })[];
}

/** One model or tool call inside a step, timed by the runner. */
export interface TimelineCall {
  kind: 'model' | 'tool';
  /** The model id, or the tool's name. */
  name: string;
  /** From the step's start. */
  offset_ms: number;
  duration_ms: number | null;
  ok: boolean | null;
  input_tokens?: number;
  output_tokens?: number;
  /** Tool calls: the arguments and the result (or error), as logged. */
  input?: JsonValue;
  output?: JsonValue;
  error?: string;
}

/** One attempt at a step. */
export interface TimelineStep {
  step: number;
  attempt: number;
  started_at: string;
  duration_ms: number;
  outcome: 'completed' | 'failed' | 'retry_scheduled';
  input_tokens: number;
  output_tokens: number;
  calls: TimelineCall[];
}

/** A span with no step running: parked, waiting for a worker, sleeping. */
export interface TimelineGap {
  status: ExecutionStatus;
  from: string;
  to: string | null;
}

/** `GET /api/admin/agents/:id/timeline`: the run's waterfall. */
export interface ExecutionTimeline {
  execution_id: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  steps: TimelineStep[];
  gaps: TimelineGap[];
  /** Built from the run's first 5,000 log rows only: later steps are missing. */
  truncated: boolean;
}

/** `POST /api/admin/agents/cancel { ids, grace_ms? }`: one line per id, in the order given. */
export interface BulkCancelResult {
  results: { id: string; outcome: 'cancelled' | 'cancelling' | 'already_finished' | 'not_found'; status: ExecutionStatus | null }[];
}

/** `GET /api/admin/conversations/:id`: the conversation, its messages, and its turns (one execution each) oldest first. */
export interface AdminConversationDetail extends AdminConversation {
  messages: ConversationMessage[];
  turns: AdminExecution[];
  /** Only its newest 200 turns are listed: it has older ones. */
  turns_truncated: boolean;
}

/** `GET /api/admin/pipelines/:id`: the pipeline and every member execution. */
export interface AdminPipelineDetail extends AdminPipeline {
  executions: AdminExecution[];
}

/** The admin run list's filters (`GET /api/admin/agents`), beside status, agent type, user and the links. */
export interface RunFilters {
  /** One status or several (every parked one: `ParkedStatus[]`). */
  status?: ExecutionStatus | ExecutionStatus[];
  agentType?: string;
  userId?: string;
  conversationId?: string;
  pipelineId?: string;
  parentExecutionId?: string;
  /** The retries of this execution (`retry(id)`'s runs). */
  retriedFromExecutionId?: string;
  /** Created at or after / before (ISO). */
  from?: string;
  to?: string;
  /** Executions whose metadata contains this object (`metadata @> …`). */
  metadata?: Record<string, JsonValue>;
  /** A full id, or the start of one (at least 4 hex digits). */
  id?: string;
  cursor?: string;
  limit?: number;
}
