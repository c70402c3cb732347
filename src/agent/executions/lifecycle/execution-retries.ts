import { Inject, Injectable } from '@nestjs/common';
import { ExecutionNotFoundError, InvalidTransitionError, NotRetryableError } from '../../errors/agent.errors.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { inTransaction } from '../../infrastructure/in-transaction.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { Principal } from '../../tenancy/principal.js';
import { allowedQueues } from '../../tenancy/queue-selection.js';
import type { Scope } from '../../tenancy/scope.js';
import { TierPolicies } from '../../tenancy/tier-policies.js';
import { ExecutionStatus } from '../execution-status.js';
import { PENDING_APPROVALS_KEY } from '../pending-approvals.js';
import { LINK_RETRY_SQL, RETRY_SOURCE_SQL } from './execution-retries.sql.js';
import { StartAdmission, type Admitted } from './start-admission.js';
import type { StartOptions } from './start-options.js';
import { StartPreparation } from './start-preparation.js';

interface RetrySource {
  id: string;
  user_id: string;
  tier: string | null;
  agent_type: string;
  status: ExecutionStatus;
  queue: string;
  input: JsonValue;
  metadata: JsonObject;
  conversation_id: string | null;
  pipeline_id: string | null;
  parent_execution_id: string | null;
  concurrency_key: string | null;
  concurrency_limit: number | null;
}

/** What the library itself notes in an execution's metadata about how it ran: not the start's, not copied. */
const RUN_NOTES = ['force_killed', 'cancel_escalated', 'step_retry', 'paused_reason', 'input_prompt', PENDING_APPROVALS_KEY];

/** The statuses a retry starts again from. */
const RETRYABLE: readonly ExecutionStatus[] = [ExecutionStatus.Failed, ExecutionStatus.Cancelled];

/**
 * Retry: a failed or cancelled execution started again from the beginning, as its owner would start
 * it now (the agent type's current version, the same input, metadata, tier and queue), linked to it
 * (`retried_from_execution_id`) and admitted as any start of that owner (tier limits, budgets).
 *
 * A conversation turn, a pipeline's member and a subagent are refused (409): each is a step of a larger
 * piece of work whose consequences (the history, the next stage, the parent's wake-up) a lone restart
 * would not carry; the conversation, the pipeline or the parent is what to start again.
 */
@Injectable()
export class ExecutionRetries {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly preparation: StartPreparation,
    private readonly admission: StartAdmission,
    private readonly tiers: TierPolicies,
  ) {
    this.pool = database.pool;
  }

  /** The admitted retry and the options its job follows (`AgentManager` enqueues it). */
  async retry(principal: Principal, sourceId: string, scope: Scope): Promise<{ admitted: Admitted; options: StartOptions }> {
    const { rows } = await this.pool.query<RetrySource>(RETRY_SOURCE_SQL, [sourceId, scope.tenantId, scope.userId]);
    const source = rows[0];
    if (!source) throw new ExecutionNotFoundError(sourceId);
    refuseLinked(source);
    if (!RETRYABLE.includes(source.status)) throw new InvalidTransitionError('retry', source.status);

    // NOTE: the owner's start, whoever asks: its tier's limits and its budgets apply. A row from before
    // tiers were stored has none: the default tier (an unknown name) stands in.
    const owner: Principal = { tenantId: principal.tenantId, userId: source.user_id, tier: source.tier ?? '', roles: [] };
    const tier = this.tiers.for(owner);
    const options: StartOptions = {
      // Its queue again, while its tier may still use it; otherwise the queue a fresh start would get.
      queue: allowedQueues(tier).includes(source.queue as QueueName) ? (source.queue as QueueName) : undefined,
      metadata: withoutRunNotes(source.metadata),
      ...(source.concurrency_key && source.concurrency_limit
        ? { concurrency: { key: source.concurrency_key, limit: source.concurrency_limit } }
        : {}),
    };
    const prepared = await this.preparation.prepare(owner, source.agent_type, source.input, options);
    const admitted = await inTransaction(this.pool, async (client) => {
      const started = await this.admission.admitWithin(client, owner, prepared.tier, prepared.row);
      await client.query(LINK_RETRY_SQL, [started.execution.id, source.id]);
      return started;
    });
    admitted.execution.retriedFromExecutionId = source.id;
    return { admitted, options };
  }
}

function refuseLinked(source: RetrySource): void {
  if (source.conversation_id) {
    throw new NotRetryableError(
      source.id,
      `it is a turn of conversation ${source.conversation_id}; send the message again in the conversation`,
    );
  }
  if (source.pipeline_id) {
    throw new NotRetryableError(source.id, `it is a stage of pipeline ${source.pipeline_id}; start the pipeline again`);
  }
  if (source.parent_execution_id) {
    throw new NotRetryableError(source.id, `it is a subagent of execution ${source.parent_execution_id}; retry the parent`);
  }
}

function withoutRunNotes(metadata: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => !RUN_NOTES.includes(key)));
}
