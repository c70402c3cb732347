import { Inject, Injectable } from '@nestjs/common';
import type { ToolReceipt } from '../../runtime/tools/tool-receipts.js';
import { TOOL_RECEIPTS_SQL } from './tool-receipts.sql.js';
import type { PoolClient } from 'pg';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { isConnectionLost } from '../../infrastructure/connection-lost.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { AgentMessage } from '../../runtime/agent-state.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import type { ExecutionStatus } from '../execution-status.js';
import { LinkedExecutions, type LinkedExecutionRow } from '../lifecycle/linked-executions.js';
import {
  ACQUIRE_LEASE_SQL,
  ACQUIRE_LEASES_SQL,
  COMMIT_BILLED_STEP_SQL,
  COMMIT_STEP_BATCH_SQL,
  COMMIT_STEP_SQL,
  LEASE_HOLDER_SQL,
  LOAD_MESSAGES_SQL,
  LOAD_TURN_MESSAGES_SQL,
  OWES_SETTLEMENT_SQL,
  RELEASE_FOR_CONTINUATION_SQL,
  RUNNING_AMONG_SQL,
} from './step-commit.sql.js';
import type { Lease } from './lease.js';
import type { CommitRequest, CommitResult } from './step-commit.js';
import { leaseOf, type LeaseRow } from './lease-row.js';
import { MARK_VERSION_MISSING_SQL } from './version-missing.sql.js';
import { batchRow, billingOf, commitResultOf, isBilled, logRow, type CommittedRow } from './step-commit-rows.js';
import { FailedAlone, GroupCommit, inOrder } from '../../infrastructure/group-commit.js';
import { ConcurrencyGate } from '../../infrastructure/concurrency-gate.js';

/** A job's request for its execution's lease. */
interface LeaseRequest {
  executionId: string;
  owner: string;
  leaseTimeoutMs: number;
}

/**
 * While a wake's lease statements run, the steps' commits wait, then go in larger batches: the
 * database's cores take the woken executions first. A commit waits at most this long, and never
 * longer than a heartbeat interval (its step's heartbeat has stopped). NOTE: a wake of 10,000 on two
 * cores, Node 24, alternated runs: all running 1.83-2.05 s against 2.93-3.38 s when both went side by
 * side, all completed 3.87-4.24 s against 4.13-4.85 s; a limit of 1 s kept only part of the gain, 250 ms none.
 */
const LEASES_FIRST_MAX_MS = 3_000;

/** The runner's SQL, on the raw pool: each method is one round trip. */
@Injectable()
export class ExecutionStore {
  private readonly pool: SqlPool;
  /** Unbilled commits of this process's runs, grouped while earlier ones are on their way (`COMMIT_STEP_BATCH_SQL`). */
  private readonly unbilled: GroupCommit<CommitRequest, CommitResult | null>;
  /** Leases this process's jobs ask for while earlier ones are on their way, taken in one statement (`ACQUIRE_LEASES_SQL`). */
  private readonly leases: GroupCommit<LeaseRequest, Lease | null>;
  /**
   * Wake batches' lease statements, `commits.inFlight` at a time. NOTE: a wake of 10,000 sent its 60
   * side by side: on two cores the same leases took 1.8 s from 30 connections against 0.8 s from 2,
   * and the woken runs all completed 15-25 % later.
   */
  private readonly batchLeases: ConcurrencyGate;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly linked: LinkedExecutions,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {
    this.pool = database.pool;
    this.unbilled = new GroupCommit((batch) => this.retriedWhileDatabaseAway(() => this.commitBatch(batch)), {
      ...options.commits,
      callersSendAgain: true,
      yieldTo: { busy: () => this.batchLeases.busy, maxMs: Math.min(LEASES_FIRST_MAX_MS, options.lease.heartbeatMs) },
    });
    this.leases = new GroupCommit((batch) => this.leaseBatch(batch), inOrder(options.commits));
    this.batchLeases = new ConcurrencyGate(options.commits.inFlight);
    this.batchLeases.onIdle(() => this.unbilled.resume());
  }

  /** `null` when the execution cannot be taken now (someone holds it, or it is not runnable). */
  acquireLease(executionId: string, owner: string, leaseTimeoutMs: number): Promise<Lease | null> {
    return this.leases.submit({ executionId, owner, leaseTimeoutMs });
  }

  private leaseOne({ executionId, owner, leaseTimeoutMs }: LeaseRequest): Promise<Lease | null> {
    return this.leaseOn(this.pool, executionId, owner, leaseTimeoutMs);
  }

  /** The lease statement in the caller's transaction (an eager start takes it with the admission). */
  async leaseOn(db: Pick<PoolClient, 'query'>, executionId: string, owner: string, leaseTimeoutMs: number): Promise<Lease | null> {
    const { rows } = await db.query<LeaseRow>({
      name: 'agents_acquire_lease',
      text: ACQUIRE_LEASE_SQL,
      values: [executionId, owner, leaseTimeoutMs],
    });
    return rows[0] ? leaseOf(rows[0]) : null;
  }

  /**
   * Alone, the single lease statement; together, one statement for all (their runner and timeout
   * are the same: one runner per process asks). A batch that fails (two statements over the same
   * rows can deadlock: a job delivered twice) takes its leases one by one instead.
   */
  private async leaseBatch(batch: readonly LeaseRequest[]): Promise<(Lease | null | FailedAlone)[]> {
    if (batch.length === 1) return [await this.leaseOne(batch[0]!)];
    const [{ owner, leaseTimeoutMs }] = batch as [LeaseRequest];
    try {
      const leased = new Map(
        (await this.acquireLeases([...new Set(batch.map((r) => r.executionId))], owner, leaseTimeoutMs)).map((l) => [l.executionId, l]),
      );
      // NOTE: the same execution asked twice in one batch (a duplicate job) is leased once: the first asker gets it.
      return batch.map((r) => {
        const lease = leased.get(r.executionId) ?? null;
        leased.delete(r.executionId);
        return lease;
      });
    } catch (error) {
      if (isConnectionLost(error)) throw error;
      return Promise.all(batch.map((r) => this.leaseOne(r).catch((alone: unknown) => new FailedAlone(alone))));
    }
  }

  /** The leases of those of `executionIds` that can be taken now, in one statement (a wake batch); the others are left alone. */
  async acquireLeases(executionIds: readonly string[], owner: string, leaseTimeoutMs: number): Promise<Lease[]> {
    const { rows } = await this.batchLeases.run(() =>
      this.pool.query<LeaseRow>({ name: 'agents_acquire_leases', text: ACQUIRE_LEASES_SQL, values: [executionIds, owner, leaseTimeoutMs] }),
    );
    return rows.map(leaseOf);
  }

  /** Those of `executionIds` running under someone's lease, with its epoch. */
  async runningAmong(executionIds: readonly string[]): Promise<{ id: string; queue: string; lease_epoch: number }[]> {
    return (await this.pool.query(RUNNING_AMONG_SQL, [executionIds])).rows;
  }

  /**
   * Notes that this worker lacks the execution's agent version: whether it has been missing for
   * `graceSeconds` already (measured on the database's clock), or null when the lease is lost.
   */
  async markVersionMissing(lease: Lease, graceSeconds: number): Promise<{ gone: boolean; since: Date } | null> {
    const { rows } = await this.pool.query<{ version_missing_since: Date; gone: boolean }>({
      name: 'agents_mark_version_missing',
      text: MARK_VERSION_MISSING_SQL,
      values: [lease.executionId, lease.epoch, graceSeconds],
    });
    return rows[0] ? { gone: rows[0].gone, since: rows[0].version_missing_since } : null;
  }

  /** After a chunk's last commit: the lease is let go for the continuation job; the run stays `running`. */
  async releaseForContinuation(lease: Lease): Promise<void> {
    await this.pool.query({
      name: 'agents_release_for_continuation',
      text: RELEASE_FOR_CONTINUATION_SQL,
      values: [lease.executionId, lease.epoch, this.options.lease.timeoutMs],
    });
  }

  /** The status of an execution whose lease was not taken, and when a running one's lease goes stale. */
  async leaseHolder(
    executionId: string,
    leaseTimeoutMs: number,
  ): Promise<{ status: ExecutionStatus; staleInMs: number | null; dueInMs: number | null } | null> {
    const { rows } = await this.pool.query(LEASE_HOLDER_SQL, [executionId, leaseTimeoutMs]);
    return rows[0] ? { status: rows[0].status, staleInMs: rows[0].stale_in_ms, dueInMs: rows[0].due_in_ms } : null;
  }

  /** What earlier attempts of a retried step completed (its committed tool calls). */
  async toolReceipts(executionId: string, stepNumber: number): Promise<ToolReceipt[]> {
    return (await this.pool.query<ToolReceipt>(TOOL_RECEIPTS_SQL, [executionId, stepNumber])).rows;
  }

  /** The history a step sees: the execution's own messages, after its conversation's history for a turn. */
  async loadMessages(executionId: string, conversationId: string | null = null): Promise<AgentMessage[]> {
    const { rows } = conversationId
      ? await this.pool.query({ name: 'agents_load_turn_messages', text: LOAD_TURN_MESSAGES_SQL, values: [executionId, conversationId] })
      : await this.pool.query({ name: 'agents_load_messages', text: LOAD_MESSAGES_SQL, values: [executionId] });
    return rows as AgentMessage[];
  }

  /** `null` when the lease is no longer ours (taken over, or the status changed under us). */
  async commit(request: CommitRequest): Promise<CommitResult | null> {
    if (isBilled(request)) return this.retriedWhileDatabaseAway(() => this.commitOn(this.pool, request));
    return this.unbilled.submit(request);
  }

  /** One statement for the batch; alone, the single commit's statement (the same SQL a lone run always sends). */
  private async commitBatch(batch: readonly CommitRequest[]): Promise<(CommitResult | null)[]> {
    if (batch.length === 1) return [await this.commitOn(this.pool, batch[0]!)];
    const { rows } = await this.pool.query<CommittedRow & { ord: number }>({
      name: 'agents_commit_step_batch',
      text: COMMIT_STEP_BATCH_SQL,
      values: [JSON.stringify(batch.map(batchRow))],
    });
    const results: (CommitResult | null)[] = batch.map(() => null);
    for (const row of rows) results[row.ord] = commitResultOf(row);
    return results;
  }

  /**
   * A commit cut off by a lost connection (a database restart, a failover) is sent again as soon as
   * the database answers, for up to half the lease timeout: the lease is still ours for that long,
   * so the run goes on instead of waiting for its lease to expire. Fencing makes a late one
   * harmless, and the step guard (`step_count`) makes a repeat of one that did land a no-op.
   */
  private async retriedWhileDatabaseAway<T>(commit: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + this.options.lease.timeoutMs / 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await commit();
      } catch (error) {
        if (!isConnectionLost(error) || Date.now() >= giveUpAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * 2 ** attempt)));
      }
    }
  }

  /**
   * A spawning step: the step (fenced like any other), its children (`pending`, linked, owing their
   * settlement) and the parent's own `settle_pending` (its end cancels children still running), in
   * one transaction. With the lease lost nothing is written, children included. Nothing is enqueued.
   */
  commitSpawning(
    request: CommitRequest,
    children: readonly LinkedExecutionRow[],
  ): Promise<{ committed: CommitResult | null; children: AgentExecutionEntity[] }> {
    return this.retriedWhileDatabaseAway(() => this.commitSpawningOnce(request, children));
  }

  private async commitSpawningOnce(
    request: CommitRequest,
    children: readonly LinkedExecutionRow[],
  ): Promise<{ committed: CommitResult | null; children: AgentExecutionEntity[] }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const committed = await this.commitOn(client, request);
      if (!committed) {
        await client.query('ROLLBACK');
        return { committed: null, children: [] };
      }
      const inserted = await this.linked.insertWithin(client, children);
      await client.query(OWES_SETTLEMENT_SQL, [request.lease.executionId]);
      await client.query('COMMIT');
      return { committed, children: inserted };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async commitOn(db: Pick<SqlPool, 'query'> | PoolClient, request: CommitRequest): Promise<CommitResult | null> {
    const { lease } = request;
    // NOTE: a named statement is planned once per connection, not at every step (measured: ~0.5 ms less per step).
    const billed = isBilled(request);
    const values = [
      lease.executionId,
      lease.epoch,
      request.stepsAdded,
      request.messages.length,
      request.inputTokens,
      request.outputTokens,
      request.state === null ? null : JSON.stringify(request.state),
      request.nextStatus,
      request.output === undefined ? null : JSON.stringify(request.output),
      request.error ? JSON.stringify(request.error) : null,
      request.awaitingEvent ?? null,
      JSON.stringify(request.messages),
      JSON.stringify(request.logs.map(logRow)),
      request.stepNumber,
      JSON.stringify(request.metadata ?? {}),
      request.waitSeconds ?? null,
    ];
    const { rows } = billed
      ? await db.query({
          name: 'agents_commit_billed_step',
          text: COMMIT_BILLED_STEP_SQL,
          values: [...values, JSON.stringify(billingOf(request.billing))],
        })
      : await db.query({ name: 'agents_commit_step', text: COMMIT_STEP_SQL, values });
    return rows[0] ? commitResultOf(rows[0]) : null;
  }
}
