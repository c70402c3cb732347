import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { inTransaction, type AfterCommit } from '../../infrastructure/in-transaction.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import { ANY_SCOPE } from '../../tenancy/scope.js';
import { ExecutionStatus } from '../execution-status.js';
import { ExecutionSettlement, type SettleContext, type SettlementHandler } from './execution-settlement.js';
import { ExecutionTransitions, type TransitionRequest } from './execution-transitions.js';
import { LinkedExecutions } from './linked-executions.js';
import { KEYS_WAITING_SQL, LOCK_CONCURRENCY_KEY_SQL, RELEASABLE_SQL } from './concurrency-keys.sql.js';

/** A waiting execution's start: scheduled (no time) → pending, its job after the commit. */
const RELEASE = {
  operation: 'release',
  from: [ExecutionStatus.Scheduled],
  to: ExecutionStatus.Pending,
  log: { level: 'info', eventType: LogEventType.ConcurrencySlotFree, message: 'Started: its concurrency key has a free slot', context: {} },
} satisfies TransitionRequest;

/**
 * Concurrency keys: at most `limit` executions of a tenant with a key run at once; the others wait
 * `scheduled` with no time (no job, no worker) and start oldest first. Every decision takes the
 * key's advisory lock and then counts, so 20 parallel starts for a limit of 2 start exactly 2. A
 * keyed start is released right after its admission; a holder's end releases the next (its
 * settlement: the same transaction as the settle flag, DESIGN rule 2); the recovery sweep releases
 * what a crash in between left waiting.
 */
@Injectable()
export class ConcurrencyKeys implements SettlementHandler, OnModuleInit {
  readonly name = 'concurrency-keys';
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly settlement: ExecutionSettlement,
    private readonly transitions: ExecutionTransitions,
    private readonly linked: LinkedExecutions,
  ) {
    this.pool = database.pool;
  }

  onModuleInit(): void {
    this.settlement.register(this);
  }

  /** After a keyed start's admission: it (and whoever else waits) starts if the key has room. */
  release(tenantId: string, key: string): Promise<void> {
    return inTransaction(this.pool, (client, afterCommit) => this.releaseWithin(client, tenantId, key, afterCommit));
  }

  /** A holder ended (or a waiting one was cancelled): the next in line may start. */
  async settle({ execution, client, afterCommit }: SettleContext): Promise<void> {
    if (execution.concurrencyKey) await this.releaseWithin(client, execution.tenantId, execution.concurrencyKey, afterCommit);
  }

  /** The recovery sweep: keys whose executions have waited longer than `olderThanSeconds`. */
  async releaseWaiting(olderThanSeconds: number): Promise<number> {
    const { rows } = await this.pool.query<{ tenant_id: string; concurrency_key: string }>(KEYS_WAITING_SQL, [olderThanSeconds]);
    for (const row of rows) await this.release(row.tenant_id, row.concurrency_key);
    return rows.length;
  }

  private async releaseWithin(client: PoolClient, tenantId: string, key: string, afterCommit: (action: AfterCommit) => void) {
    await client.query(LOCK_CONCURRENCY_KEY_SQL, [tenantId, key]);
    const { rows } = await client.query<{ id: string }>(RELEASABLE_SQL, [tenantId, key]);
    for (const { id } of rows) {
      const started = await this.transitions.tryApplyWithin(client, id, ANY_SCOPE, RELEASE, afterCommit);
      if (started) afterCommit(() => this.linked.enqueue([started]));
    }
  }
}
