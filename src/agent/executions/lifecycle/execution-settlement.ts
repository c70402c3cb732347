import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { inTransaction, type AfterCommit } from '../../infrastructure/in-transaction.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from '../../infrastructure/signal-notifier.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionEventName, ExecutionEvents } from '../execution-events.js';
import { executionFromRow } from '../execution-row.js';
import { isTerminal, PARKED_STATUSES } from '../execution-status.js';
import type { CommittedLog } from '../committed-log.js';
import { publishTransition } from './transition-events.js';
import { CANCEL_LINKED_SQL, LOCK_UNSETTLED_SQL, MARK_SETTLED_SQL, UNSETTLED_SQL } from './settlement.sql.js';

const SWEEP_BATCH = 500;
/** The periodic sweep leaves ends younger than this to the process that committed them. */
const SWEEP_GRACE_MS = 2_000;

/** What a handler gets: the ended execution (locked), the open transaction, and what to do after it commits. */
export interface SettleContext {
  readonly execution: AgentExecutionEntity;
  /** Inside the settlement's transaction: what the handler writes commits with the cleared flag. */
  readonly client: PoolClient;
  /** Hints that follow the commit (enqueue a job, publish an event): lost with a crash, re-driven by the sweep. */
  afterCommit(action: AfterCommit): void;
}

/**
 * One consequence of an execution's end (append to a conversation, advance a pipeline, wake a
 * parent, cancel children). Idempotent by construction: it runs at most once per execution, in the
 * transaction that clears `settle_pending`.
 */
export interface SettlementHandler {
  readonly name: string;
  settle(context: SettleContext): Promise<void>;
}

/**
 * Applies the consequences of executions' ends (DESIGN rule 2). The runner's terminal commit
 * leaves the row flagged `settle_pending` (set when the row was linked to a conversation, a
 * pipeline or a parent, or spawned children); that flag is the outbox. It is settled at once by
 * the process that saw the end (from the in-process status event), and by the recovery sweep if
 * that process died in between.
 */
@Injectable()
export class ExecutionSettlement implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ExecutionSettlement.name);
  private readonly pool: SqlPool;
  private readonly handlers: SettlementHandler[] = [];
  private stopListening: (() => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly events: ExecutionEvents,
    @Inject(SIGNAL_NOTIFIER) private readonly notifier: SignalNotifier,
    // NOTE: the sweep runs where maintenance runs: that switch is a folder above the kernel's, so it is named by shape.
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & { maintenance: { enabled: boolean } },
  ) {
    this.pool = database.pool;
  }

  /** Feature folders register their consequence at module init. */
  register(handler: SettlementHandler): void {
    this.handlers.push(handler);
  }

  onModuleInit(): void {
    this.stopListening = this.events.subscribe((event) => {
      if (event.name !== ExecutionEventName.StatusChanged || !isTerminal(event.status)) return;
      // Most ends owe nothing: no transaction for them (an event that does not say is looked at).
      if (event.settlePending === false) return;
      // NOTE: deferred, so every listener of this commit's events runs before its consequences start.
      this.track(
        new Promise((resolve) => setImmediate(resolve)).then(() => this.settle(event.executionId)),
        event.executionId,
      );
    });
    if (this.options.maintenance.enabled) {
      // A process that died between an end and its consequences stalls a pipeline or a parent only until
      // the next sweep: once per lease timeout (a partial-index scan of the few rows still flagged).
      this.sweeper = setInterval(() => this.track(this.sweep(SWEEP_BATCH, SWEEP_GRACE_MS)), this.options.lease.timeoutMs);
      this.sweeper.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopListening?.();
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Settles one execution if it ended and still owes consequences. True when this call settled it. */
  async settle(executionId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client, afterCommit) => {
      const { rows } = await client.query(LOCK_UNSETTLED_SQL, [executionId]);
      if (!rows[0]) return false;
      // The consequences are settled once the flag is cleared: a hint failing after the commit is only logged.
      const hint = (action: AfterCommit) =>
        afterCommit(() =>
          Promise.resolve()
            .then(action)
            .catch((error: Error) => this.logger.warn(`After settling: ${error.message}`, { execution_id: executionId })),
        );
      const context: SettleContext = { execution: executionFromRow(rows[0]), client, afterCommit: hint };
      for (const handler of this.handlers) await handler.settle(context);
      await client.query(MARK_SETTLED_SQL, [executionId]);
      return true;
    });
  }

  /**
   * The recovery sweep's part: ended executions still owing consequences (those that ended at least
   * `minAgeMs` ago: younger ones are being settled by the process that ended them). Returns the ids settled.
   */
  async sweep(limit = SWEEP_BATCH, minAgeMs = 0): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(UNSETTLED_SQL, [limit, minAgeMs]);
    const settled: string[] = [];
    for (const { id } of rows) {
      try {
        if (await this.settle(id)) settled.push(id);
      } catch (error) {
        this.logger.warn(`Settling failed (the next sweep retries): ${(error as Error).message}`, { execution_id: id });
      }
    }
    return settled;
  }

  /**
   * Cancels linked executions within the caller's transaction (see `CANCEL_LINKED_SQL`); after
   * the commit it publishes the parked ones' events (their status event settles them in turn:
   * their own children) and notifies the running ones' runners.
   */
  async cancelWithin(
    client: PoolClient,
    ids: readonly string[],
    reason: Record<string, unknown>,
    afterCommit: (action: AfterCommit) => void,
  ): Promise<void> {
    if (ids.length === 0) return;
    const { rows } = await client.query(CANCEL_LINKED_SQL, [ids, JSON.stringify(reason), PARKED_STATUSES]);
    const parked = (rows[0].parked as Record<string, unknown>[]).map(executionFromRow);
    const logs = rows[0].logs as (CommittedLog & { execution_id: string })[];
    const signalled = rows[0].signalled as string[];
    afterCommit(async () => {
      for (const execution of parked) {
        const log = logs.find((l) => l.execution_id === execution.id);
        if (!log) continue;
        const { execution_id: _, ...committed } = log;
        publishTransition(this.events, execution, committed);
      }
      for (const executionId of signalled) {
        await this.notifier
          .publish({ executionId, type: 'cancel', graceMs: this.options.lifecycle.cancelGraceMs, requestedAt: Date.now() })
          .catch(() => undefined);
      }
    });
  }

  private track(promise: Promise<unknown>, executionId?: string): void {
    const tracked = promise.catch((error: Error) => {
      const message = `Settling failed (the recovery sweep retries): ${error.message}`;
      if (executionId) this.logger.warn(message, { execution_id: executionId });
      else this.logger.warn(message);
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
