import type { ExecutionStatus } from '../execution-status.js';
import type { CommitRequest, CommitResult, StepBilling } from './step-commit.js';

// How a commit's requests and answers look as rows and values of the step-commit statements (`step-commit.sql.ts`).

const NO_BILLING: StepBilling = { records: [], reservation: null };

export function billingOf(billing: StepBilling = NO_BILLING) {
  return {
    records: billing.records,
    tokens: billing.records.reduce((n, r) => n + r.input_tokens + r.output_tokens, 0),
    cost_usd: billing.records.reduce((usd, r) => usd + r.cost_usd, 0),
    reservation: billing.reservation,
  };
}

export const isBilled = (request: CommitRequest) =>
  request.billing !== undefined && (request.billing.records.length > 0 || request.billing.reservation !== null);

export const logRow = (l: CommitRequest['logs'][number]) => ({
  level: l.level,
  event_type: l.eventType,
  message: l.message,
  context: l.context,
});

/** One commit as a row of `COMMIT_STEP_BATCH_SQL` (its `BATCH_ROW` columns); `ord` is its place in the batch. */
export function batchRow(request: CommitRequest, ord: number) {
  return {
    ord,
    exec_id: request.lease.executionId,
    epoch: request.lease.epoch,
    steps_added: request.stepsAdded,
    messages_added: request.messages.length,
    tokens_in: request.inputTokens,
    tokens_out: request.outputTokens,
    new_state: request.state,
    next_status: request.nextStatus,
    new_output: request.output ?? null,
    new_error: request.error ?? null,
    event_awaited: request.awaitingEvent ?? null,
    messages: request.messages,
    logs: request.logs.map(logRow),
    step_number: request.stepNumber,
    metadata_patch: request.metadata ?? {},
    wait_seconds: request.waitSeconds ?? null,
  };
}

/** A row of what a commit statement answers. */
export interface CommittedRow {
  status: ExecutionStatus;
  step_count: number;
  token_usage: string;
  completed_at: Date | null;
  error: CommitResult['error'];
  logs: CommitResult['logs'];
  pending_signals: string[];
  settle_pending: boolean | null;
}

export function commitResultOf(row: CommittedRow): CommitResult {
  return {
    status: row.status,
    stepCount: row.step_count,
    tokenUsage: Number(row.token_usage),
    completedAt: row.completed_at,
    error: row.error,
    logs: row.logs,
    pendingSignals: row.pending_signals,
    settlePending: row.settle_pending === true,
  };
}
