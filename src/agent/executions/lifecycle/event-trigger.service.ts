import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { wakeBatchSize, type ResolvedExecutionOptions } from '../executions.options.js';
import type { ResolvedInfrastructureOptions } from '../../infrastructure/infrastructure.options.js';
import { AgentManager } from './agent-manager.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionEvents } from '../execution-events.js';
import { publishCommitted } from '../committed-events.js';
import type { Principal } from '../../tenancy/principal.js';
import { ExecutionStatus, isTerminal } from '../execution-status.js';
import type { CommittedLog } from '../committed-log.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { JsonValue } from '../../runtime/json.js';
import { KEEP_IN_INBOX_SQL, LOCK_TARGET_SQL, WAKE_FROM_INBOX_SQL, WAKE_MATCHING_SQL, WAKE_ONE_SQL } from './event-wake.sql.js';
import { inTransaction } from '../../infrastructure/in-transaction.js';

export interface TriggerTarget {
  tenantId: string;
  /** Only this user's executions. */
  userId?: string;
  /**
   * Only this execution. If it is not waiting for the event yet (but not finished), the event is
   * kept in its inbox for `inboxTtlSeconds` and consumed by the wait that asks for it.
   */
  executionId?: string;
}

export interface TriggerResult {
  triggered_count: number;
  /** With `executionId`: the event was kept for a later wait. */
  kept?: boolean;
}

export interface WokenRow {
  id: string;
  queue: string;
  lease_epoch: number;
  tenant_id: string;
  user_id: string;
  agent_type: string;
  step_count: number;
  token_usage: string;
  log: CommittedLog;
}

/**
 * Wakes executions parked on an event (SPEC §5). Parked executions hold no job and no worker; a
 * trigger wakes every match in one statement, exactly once each, then enqueues their jobs.
 */
@Injectable()
export class EventTriggerService {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & Pick<ResolvedInfrastructureOptions, 'workers'>,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly manager: AgentManager,
  ) {
    this.pool = database.pool;
  }

  /**
   * Creates an execution parked on `eventType`: no job, no worker, no polling until a trigger
   * wakes it (or `timeoutSeconds` ends it as `failed` with `awaiting_event_timeout`).
   */
  startAwaitingEvent(
    principal: Principal,
    agentType: string,
    input: JsonValue,
    eventType: string,
    options: { timeoutSeconds?: number } = {},
  ): Promise<AgentExecutionEntity> {
    return this.manager.start(principal, agentType, input, { awaitEvent: { eventType, timeoutSeconds: options.timeoutSeconds } });
  }

  /**
   * @example
   * const { triggered_count } = await triggers.triggerEvent('payment.received', { order: 42 }, { tenantId: 't1' });
   */
  async triggerEvent(eventType: string, payload: JsonValue, target: TriggerTarget): Promise<TriggerResult> {
    const { result, woken } = await this.inTransaction((client) => this.wake(client, eventType, payload, target));
    await this.afterWake(woken);
    return result;
  }

  /**
   * The wake-up itself, inside the caller's transaction (webhooks record their delivery in the
   * same one). Call `afterWake(woken)` once it has committed.
   */
  async wake(
    client: PoolClient,
    eventType: string,
    payload: JsonValue,
    target: TriggerTarget,
  ): Promise<{ result: TriggerResult; woken: WokenRow[] }> {
    const json = JSON.stringify(payload ?? null);
    if (!target.executionId) {
      const { rows } = await client.query<WokenRow>(WAKE_MATCHING_SQL, [eventType, target.tenantId, target.userId ?? null, json]);
      return { result: { triggered_count: rows.length }, woken: rows };
    }
    // Holding the row lock: a wait being committed right now either comes first (and is woken) or after (and finds the inbox).
    const { rows } = await client.query<{ status: ExecutionStatus; awaiting_event: string | null }>(LOCK_TARGET_SQL, [
      target.executionId,
      target.tenantId,
      target.userId ?? null,
    ]);
    const row = rows[0];
    if (row?.status === ExecutionStatus.AwaitingEvent && row.awaiting_event === eventType) {
      const woken = (await client.query<WokenRow>(WAKE_ONE_SQL, [eventType, target.executionId, json])).rows;
      return { result: { triggered_count: woken.length }, woken };
    }
    if (row && !isTerminal(row.status)) {
      await client.query(KEEP_IN_INBOX_SQL, [target.executionId, eventType, json, this.options.events.inboxTtlSeconds]);
      return { result: { triggered_count: 0, kept: true }, woken: [] };
    }
    return { result: { triggered_count: 0 }, woken: [] };
  }

  inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client) => work(client));
  }

  /** Called by the runner right after an execution parked on `eventType`: an event already in its inbox wakes it. */
  async wakeFromInbox(executionId: string, eventType: string): Promise<boolean> {
    const { rows } = await this.pool.query<WokenRow>(WAKE_FROM_INBOX_SQL, [executionId, eventType]);
    await this.afterWake(rows);
    return rows.length > 0;
  }

  /**
   * Events and jobs for what a committed wake-up woke (hints; the rows are already `pending`): one
   * job per batch of a queue's executions (`wakeBatchSize`), which leases them in one statement.
   *
   * NOTE: the `pending` events are published before the jobs exist, so in every process the
   * `running` a worker publishes for an execution comes after its `pending` (publishing is
   * synchronous up to the event bridge, which sends in order).
   */
  async afterWake(rows: WokenRow[]): Promise<void> {
    for (const r of rows) {
      const subject = { executionId: r.id, tenantId: r.tenant_id, userId: r.user_id, agentType: r.agent_type };
      const tokenUsage = Number(r.token_usage);
      publishCommitted(this.events, subject, [r.log], {
        status: ExecutionStatus.Pending,
        stepCount: r.step_count,
        tokenUsage,
        completedAt: null,
        error: null,
      });
    }
    await this.queue.enqueueBatches(
      rows.map((r) => ({ executionId: r.id, queue: r.queue as QueueName, epoch: r.lease_epoch })),
      (queue, count) => wakeBatchSize(count, this.options.workers.concurrency[queue], this.options.events.wakeBatchSize),
    );
  }
}
