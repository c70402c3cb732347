import type { ConcurrencyKey } from './start-options.js';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { IdempotencyKeyReusedError } from '../../errors/agent.errors.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { RateLimitedError, type LimitsReport } from '../../errors/rate-limited.error.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { executionFromRow } from '../execution-row.js';
import { uuidv7, uuidv7Floor } from '../uuid-v7.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import type { Principal } from '../../tenancy/principal.js';
import { ADMIT_BATCH_SQL, ADMIT_SQL, SET_EXECUTION_HOOKS_SQL, USAGE_SQL } from './start-admission.sql.js';
import { FailedAlone, GroupCommit, inOrder } from '../../infrastructure/group-commit.js';
import { isConnectionLost } from '../../infrastructure/connection-lost.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { TierPolicy } from '../../tenancy/tier-policy.js';
import type { HookTarget } from '../../runtime/hook-target.js';

const HOUR_MS = 3_600_000;
/** BullMQ's largest priority. */
const MAX_PRIORITY = 2_097_151;
/** A full concurrency slot frees when some execution ends: nobody knows when; clients retry in this many seconds. */
const CONCURRENCY_RETRY_SECONDS = 30;

export interface NewExecution {
  agentType: string;
  /** The version of the agent type that will run it (default the registry's default version). */
  agentVersion?: string;
  queue: string;
  status: string;
  input: unknown;
  metadata: unknown;
  idempotencyKey: string | null;
  scheduledFor: Date | null;
  awaitingEvent: string | null;
  waitSeconds: number | null;
  /** Part of a larger piece of work: its end is settled (SPEC §9–11). */
  links?: ExecutionLinks;
  /** A fork: where it starts from instead of an empty state. */
  fork?: ForkOrigin;
  /** Its concurrency key: admitted waiting (`scheduled`, no time), released by `ConcurrencyKeys`. */
  concurrency?: ConcurrencyKey | null;
  /** Its outbound hooks (the start's and its agent type's); none = no outbox rows. */
  hooks?: HookTarget[];
}

/** The state a fork starts with: an execution's step, its message count and agent data there. */
export interface ForkOrigin {
  executionId: string;
  step: number;
  messageCount: number;
  state: unknown;
}

/** What an execution belongs to. */
export interface ExecutionLinks {
  conversationId?: string;
  pipelineId?: string;
  stageIndex?: number;
  parentExecutionId?: string;
  depth?: number;
}

export interface Admitted {
  execution: AgentExecutionEntity;
  /** False when the idempotency key returned an existing execution. */
  created: boolean;
  /** Queue priority for fair admission across tenants (1 = first). */
  priority: number;
}

interface UsageRow {
  concurrent: number;
  hourly: number;
  /** A Date from a row; an ISO string inside the admission's jsonb. */
  oldest: Date | string | null;
}

interface AdmissionRow extends UsageRow {
  existing: Record<string, unknown> | null;
  same_request: boolean | null;
  created: Record<string, unknown> | null;
  tenant_queued: number;
}

/** One start's admission: who starts what under which tier, at `now`. */
interface AdmissionRequest {
  principal: Principal;
  tier: TierPolicy & { name: string };
  row: NewExecution;
  now: number;
}

/**
 * Tier limits that cannot be raced: a start takes the user's transaction-scoped advisory lock, so
 * starts of one user are admitted one at a time on every node (the database is shared). The hourly
 * limit is an exact sliding window over the user's own starts.
 */
@Injectable()
export class StartAdmission {
  private readonly pool: SqlPool;
  /** Starts of this process that queued while earlier admissions were on their way (`ADMIT_BATCH_SQL`). */
  private readonly grouped: GroupCommit<AdmissionRequest, AdmissionRow>;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase, @Inject(AGENT_OPTIONS) options: ResolvedExecutionOptions) {
    this.pool = database.pool;
    this.grouped = new GroupCommit((batch) => this.admitBatch(batch), inOrder(options.commits));
  }

  /** One round trip: the lock and the admission in one call, committed on its own (or with the starts that queued meanwhile). */
  async admit(principal: Principal, tier: TierPolicy & { name: string }, row: NewExecution, now = Date.now()): Promise<Admitted> {
    return this.outcome(await this.grouped.submit({ principal, tier, row, now }), tier, row, now);
  }

  /**
   * The same admission inside the caller's open transaction (a conversation turn admitted with its
   * conversation locked): the user's lock is held until that transaction ends.
   */
  async admitWithin(
    client: PoolClient,
    principal: Principal,
    tier: TierPolicy & { name: string },
    row: NewExecution,
    now = Date.now(),
  ): Promise<Admitted> {
    const admitted = this.outcome(await this.admitOn(client, { principal, tier, row, now }), tier, row, now);
    // NOTE: the outbox trigger reads the hooks from the row at every status change that owes a callback.
    if (admitted.created && row.hooks?.length) {
      await client.query(SET_EXECUTION_HOOKS_SQL, [admitted.execution.id, JSON.stringify(row.hooks)]);
    }
    return admitted;
  }

  /**
   * Alone and without hooks, the single call; otherwise one statement (`agents_admit_batch`, which
   * also sets each row's hooks), in lock-key order. A batch that fails for another reason than a lost
   * connection is admitted again one by one, so each start gets its own answer.
   */
  private async admitBatch(batch: readonly AdmissionRequest[]): Promise<(AdmissionRow | FailedAlone)[]> {
    if (batch.length === 1 && !batch[0]!.row.hooks?.length) return [await this.admitOn(this.pool, batch[0]!)];
    try {
      return await this.admitTogether(batch);
    } catch (error) {
      if (isConnectionLost(error) || batch.length === 1) throw error;
      return Promise.all(
        batch.map((request) =>
          this.admitBatch([request])
            .then(([alone]) => alone!)
            .catch((alone: unknown) => new FailedAlone(alone)),
        ),
      );
    }
  }

  private async admitTogether(batch: readonly AdmissionRequest[]): Promise<AdmissionRow[]> {
    const { rows } = await this.pool.query<{ ord: number; admitted: AdmissionRow }>({
      name: 'agents_admit_batch',
      text: ADMIT_BATCH_SQL,
      values: [JSON.stringify(batch.map((request, ord) => ({ ord, ...admissionValues(request) })))],
    });
    const results: AdmissionRow[] = [];
    for (const row of rows) results[row.ord] = row.admitted;
    return results;
  }

  /** The user's lock and the admission (`ADMIT_SQL`), in the caller's transaction if it has one. */
  private async admitOn(client: Pick<PoolClient, 'query'>, request: AdmissionRequest): Promise<AdmissionRow> {
    const v = admissionValues(request);
    const { rows } = await client.query<{ admitted: AdmissionRow }>({
      name: 'agents_admit',
      text: ADMIT_SQL,
      values: [
        v.id,
        v.tenant_id,
        v.user_id,
        v.agent_type,
        v.queue,
        JSON.stringify(v.input),
        JSON.stringify(v.metadata),
        v.idempotency_key,
        v.status,
        v.scheduled_for,
        v.awaiting_event,
        v.wait_seconds,
        v.hour_start,
        v.max_concurrent,
        v.per_hour,
        v.tier,
        JSON.stringify(v.links),
        v.lock_key,
      ],
    });
    return rows[0]!.admitted;
  }

  /** What the admission answered, for the caller: the execution, or why not. */
  private outcome(result: AdmissionRow, tier: TierPolicy & { name: string }, row: NewExecution, now: number): Admitted {
    if (result.existing) {
      const execution = executionFromRow(result.existing);
      if (!result.same_request) throw new IdempotencyKeyReusedError(row.idempotencyKey!, execution.id);
      return { execution, created: false, priority: 1 };
    }
    if (!result.created) throw this.limited(result, tier, now);
    return { execution: executionFromRow(result.created), created: true, priority: Math.min(result.tenant_queued + 1, MAX_PRIORITY) };
  }

  async usage(principal: Principal, tier: TierPolicy, now = Date.now()): Promise<LimitsReport> {
    const { rows } = await this.pool.query<UsageRow>(USAGE_SQL, [principal.tenantId, principal.userId, hourBoundary(now)]);
    return report(rows[0]!, tier);
  }

  private limited(usage: UsageRow, tier: TierPolicy, now: number): RateLimitedError {
    const limits = report(usage, tier);
    if (usage.hourly >= tier.perHour) {
      const resetsAt = new Date(usage.oldest!).getTime() + HOUR_MS;
      // Clamped: `created_at` is the database's clock, `now` this process's.
      const seconds = Math.min(HOUR_MS / 1000, Math.max(1, Math.ceil((resetsAt - now) / 1000)));
      return new RateLimitedError(`Hourly limit reached (${tier.perHour} starts per hour)`, limits, seconds);
    }
    return new RateLimitedError(`Concurrency limit reached (${tier.maxConcurrent} at once)`, limits, CONCURRENCY_RETRY_SECONDS);
  }
}

/** `agents_admit`'s `$17`: what the row belongs to, and the version and starting point of its run. */
const linksJson = ({ links = {}, agentVersion, fork, concurrency }: NewExecution) => ({
  concurrency_key: concurrency?.key ?? null,
  concurrency_limit: concurrency?.limit ?? null,
  conversation_id: links.conversationId ?? null,
  pipeline_id: links.pipelineId ?? null,
  stage_index: links.stageIndex ?? null,
  parent_execution_id: links.parentExecutionId ?? null,
  depth: links.depth ?? 0,
  agent_version: agentVersion ?? null,
  forked_from_execution_id: fork?.executionId ?? null,
  forked_from_step: fork?.step ?? null,
  step_count: fork?.step ?? 0,
  message_count: fork?.messageCount ?? 0,
  state: fork?.state ?? {},
});

function report(usage: UsageRow, tier: TierPolicy): LimitsReport {
  return {
    concurrent: { used: usage.concurrent, limit: tier.maxConcurrent, remaining: Math.max(0, tier.maxConcurrent - usage.concurrent) },
    hourly: {
      used: usage.hourly,
      limit: tier.perHour,
      remaining: Math.max(0, tier.perHour - usage.hourly),
      resets_at: usage.oldest ? new Date(new Date(usage.oldest).getTime() + HOUR_MS).toISOString() : null,
    },
  };
}

/** A start as the admission's arguments (the columns of `ADMIT_BATCH_SQL`'s rows). */
const admissionValues = ({ principal, tier, row, now }: AdmissionRequest) => ({
  id: uuidv7(now),
  tenant_id: principal.tenantId,
  user_id: principal.userId,
  agent_type: row.agentType,
  queue: row.queue,
  input: row.input ?? {},
  metadata: row.metadata ?? {},
  idempotency_key: row.idempotencyKey,
  status: row.status,
  scheduled_for: row.scheduledFor,
  awaiting_event: row.awaitingEvent,
  wait_seconds: row.waitSeconds,
  hour_start: hourBoundary(now),
  max_concurrent: tier.maxConcurrent,
  per_hour: tier.perHour,
  tier: tier.name,
  links: linksJson(row),
  lock_key: lockKey(principal),
  hooks: row.hooks?.length ? row.hooks : null,
});

/** Ids are UUIDv7 (time first): the smallest id of one hour ago bounds the window on the (tenant, user, id) index. */
const hourBoundary = (now: number): string => uuidv7Floor(now - HOUR_MS);

/** A signed 64-bit advisory lock key per (tenant, user): a number computed here, never text from a request. */
const lockKey = (principal: Principal): string =>
  createHash('sha1').update(`agents-start\u0000${principal.tenantId}\u0000${principal.userId}`).digest().readBigInt64BE(0).toString();
