import type { Reservation } from '../../billing/budget.service.js';
import type { AgentMessage } from '../../runtime/agent-state.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { StepLog } from '../../runtime/step-context.js';
import type { CommittedLog } from '../committed-log.js';
import type { ExecutionError, ExecutionStatus } from '../execution-status.js';
import type { Lease } from './lease.js';

export interface CommitRequest {
  lease: Lease;
  /** 1 for a step, 0 for a bare transition (a failure, a release at a chunk boundary). */
  stepsAdded: 0 | 1;
  stepNumber: number;
  messages: AgentMessage[];
  logs: StepLog[];
  inputTokens: number;
  outputTokens: number;
  state: JsonObject | null;
  nextStatus: ExecutionStatus;
  output?: JsonValue;
  error?: ExecutionError;
  awaitingEvent?: string | null;
  /** The wait (input or event) expires this many seconds after the commit. */
  waitSeconds?: number;
  metadata?: JsonObject;
  /** Usage records and the budget reservation; none for a transition without model calls. */
  billing?: StepBilling;
}

/** What a step's model calls cost, committed with it (SPEC §12). */
export interface StepBilling {
  records: { model: string; input_tokens: number; output_tokens: number; cost_usd: number }[];
  /** The reservation the step held on its budgets (null: no budget applies). */
  reservation: Reservation | null;
}

export interface CommitResult {
  status: ExecutionStatus;
  stepCount: number;
  tokenUsage: number;
  completedAt: Date | null;
  error: ExecutionError | null;
  logs: CommittedLog[];
  /** Signal types (pause, cancel) still waiting for this execution. */
  pendingSignals: string[];
  /** Its end owes consequences (see `ExecutionSettlement`). */
  settlePending: boolean;
}
