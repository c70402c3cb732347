import type { AgentMessage } from '../../runtime/agent-state.js';
import type { Lease } from './lease.js';

/** A row of ACQUIRE_LEASE_SQL / ACQUIRE_LEASES_SQL. */
export interface LeaseRow {
  id: string;
  tenant_id: string;
  user_id: string;
  agent_type: string;
  agent_version: string;
  version_missing_since: Date | null;
  tier: string | null;
  queue: string;
  input: Lease['input'];
  state: Lease['state'] | null;
  step_count: number;
  message_count: number;
  input_tokens: string;
  output_tokens: string;
  lease_epoch: number;
  started_at: Date;
  conversation_id: string | null;
  parent_execution_id: string | null;
  depth: number;
  pending_signals: string[];
  log: Lease['log'];
  budget_overrides: Lease['budgetOverrides'];
  /** `metadata.step_retry`: set while a failed step waits for its next attempt (JSON null once it committed). */
  step_retry: Lease['stepRetry'];
  /** ACQUIRE_LEASES_SQL only (null in a conversation). */
  history?: AgentMessage[] | null;
}

/** A leased row as the runner holds it. */
export function leaseOf(row: LeaseRow): Lease {
  return {
    executionId: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    agentType: row.agent_type,
    agentVersion: row.agent_version,
    versionMissingSince: row.version_missing_since,
    tier: row.tier,
    queue: row.queue,
    input: row.input,
    state: row.state ?? {},
    stepCount: row.step_count,
    messageCount: row.message_count,
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    epoch: row.lease_epoch,
    startedAt: row.started_at,
    conversationId: row.conversation_id,
    parentExecutionId: row.parent_execution_id,
    depth: row.depth,
    pendingSignals: row.pending_signals,
    log: row.log,
    budgetOverrides: row.budget_overrides,
    stepRetry: row.step_retry ?? null,
    history: row.history ?? undefined,
  };
}
