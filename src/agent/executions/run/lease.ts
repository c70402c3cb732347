import type { BudgetOverride } from '../../billing/budget.service.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { CommittedLog } from '../committed-log.js';
import type { AgentMessage } from '../../runtime/agent-state.js';

/** An execution as the runner that took its lease sees it: what its steps need, and the fence (`epoch`) of its commits. */
export interface Lease {
  executionId: string;
  tenantId: string;
  userId: string;
  agentType: string;
  /** The version of the agent type that runs it (the one that started it). */
  agentVersion: string;
  /** When a worker first found `agentVersion` missing and handed the run back (null: not since its last step). */
  versionMissingSince: Date | null;
  /** The starter's tier (null for rows from before tiers were recorded: the default tier applies). */
  tier: string | null;
  queue: string;
  input: JsonValue;
  state: JsonObject;
  stepCount: number;
  messageCount: number;
  inputTokens: number;
  outputTokens: number;
  epoch: number;
  startedAt: Date;
  /** A conversation turn: its history comes before its own messages. */
  conversationId: string | null;
  /** A subagent: the execution that spawned it, and how deep it is (root = 0). */
  parentExecutionId: string | null;
  depth: number;
  /** Signal types waiting when the lease was taken. */
  pendingSignals: string[];
  /** The `started` log the lease wrote. */
  log: CommittedLog;
  /** The execution's messages, when the lease read them too (a wake batch, outside a conversation): no load of its own. */
  history?: AgentMessage[];
  /** The admin budgets of the execution's user and tenant, read with the lease (the job's budgets need no query of their own). */
  budgetOverrides: BudgetOverride[];
  /** The step this lease runs again after it failed with a retryable error, and which attempt that is (2, 3, …). */
  stepRetry: { step: number; attempt: number } | null;
}
