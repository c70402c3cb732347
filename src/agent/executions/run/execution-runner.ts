import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PoolClient } from 'pg';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { ResolvedBillingOptions } from '../../billing/billing.options.js';
import type { BudgetScope } from '../../billing/budget.service.js';
import { ExecutionBudgets } from '../lifecycle/execution-budgets.js';
import { executionAttributes, inSpan, SpanName } from '../../runtime/tracing.js';
import { ExecutionStatus } from '../execution-status.js';
import { ActiveExecutions } from './active-executions.js';
import type { EagerSlot } from './eager-slots.js';
import { ExecutionStore } from './execution-store.js';
import type { Lease } from './lease.js';
import { RunBudget } from './run-budget.js';
import { RunCommits } from './run-commits.js';
import { RUN_LOG_CONTEXT } from './run-logs.js';
import { RunOutcome, type RunResult } from './run-outcome.js';
import { StepLoop } from './step-loop.js';

/**
 * One job's run of an execution (DESIGN.md): take the lease, announce the run, let the step loop
 * run it, and give back what the run held (its budget reservation, its place among the active).
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(RUN_LOG_CONTEXT);
  /** Identifies this process in `lease_owner`, for operators reading the table. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly store: ExecutionStore,
    private readonly active: ActiveExecutions,
    private readonly budgets: ExecutionBudgets,
    private readonly commits: RunCommits,
    private readonly loop: StepLoop,
    private readonly queue: ExecutionQueue,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & ResolvedBillingOptions,
  ) {}

  /** Shutdown: running executions checkpoint at their next step boundary and hand over. */
  drain(): void {
    this.loop.drain();
  }

  /** Runs one job's worth of an execution. Agent errors end the run; infrastructure errors throw (the job retries). */
  async run(executionId: string): Promise<RunResult> {
    const leasedSince = Date.now();
    const lease = await this.store.acquireLease(executionId, this.owner, this.options.lease.timeoutMs);
    if (!lease) return this.notAcquired(executionId);
    return { outcome: await this.runLeased(lease, leasedSince) };
  }

  /**
   * A wake batch: the leases of all of `executionIds` in one statement, then their runs side by
   * side, each exactly as a job of its own would run it. Those not leased are skipped (the row
   * decides: it was cancelled, or is not pending any more), except ones running under another
   * lease: that runner may be dead (this job re-delivered after a crash, before the leases it had
   * taken went stale), so each gets a job of its own, which takes it over once its lease is stale
   * (`notAcquired`). A run that throws (infrastructure) also gets a job of its own, as a failed
   * job's retry would; the other runs of the batch go on. Resolves with the number leased.
   */
  async runBatch(executionIds: readonly string[]): Promise<number> {
    const leasedSince = Date.now();
    const leases = await this.store.acquireLeases(executionIds, this.owner, this.options.lease.timeoutMs);
    if (leases.length < executionIds.length) {
      const leased = new Set(leases.map((l) => l.executionId));
      const held = await this.store.runningAmong(executionIds.filter((id) => !leased.has(id)));
      for (const row of held) await this.queue.enqueue(row.id, row.queue as QueueName, { epoch: row.lease_epoch });
    }
    await Promise.all(leases.map((lease) => this.runLeased(lease, leasedSince).catch((error: Error) => this.handOff(lease, error))));
    return leases.length;
  }

  /**
   * Eager start: the lease of an execution just admitted in `client`'s transaction, taken in that
   * transaction, so the admission and the lease are one commit. Run it with `runEagerly` once committed.
   */
  leaseWithin(client: Pick<PoolClient, 'query'>, executionId: string): Promise<Lease | null> {
    return this.store.leaseOn(client, executionId, this.owner, this.options.lease.timeoutMs);
  }

  /** Eager start of an execution admitted and committed elsewhere: its lease now (null when not leasable); run it with `runEagerly`. */
  leaseNow(executionId: string): Promise<Lease | null> {
    return this.store.acquireLease(executionId, this.owner, this.options.lease.timeoutMs);
  }

  /**
   * The run of a lease taken by `leaseWithin` or `leaseNow`, in the worker slot it borrowed (given back when the
   * run ends): exactly as a job would run it, with no job. A run that throws (infrastructure) gets
   * a job of its own, as a failed job's retry would; a process that dies leaves a lease that the
   * start's delayed job (`EagerStart.watch`) finds stale and takes over.
   */
  async runEagerly(lease: Lease, slot: EagerSlot, leasedSince: number): Promise<void> {
    try {
      await this.runLeased(lease, leasedSince).catch((error: Error) => this.handOff(lease, error));
    } finally {
      slot.giveBack();
    }
  }

  /** A run without a job that threw: a job of its own (job id from its epoch) retries it; if even that fails, the recovery sweep finds it. */
  private async handOff(lease: Lease, error: Error): Promise<void> {
    const context = { execution_id: lease.executionId, epoch: lease.epoch };
    this.logger.warn(`A run without a job of its own failed (${error.message}); it gets one`, context);
    await this.queue
      .enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch })
      .catch((e: Error) => this.logger.error(`Enqueuing it failed too (${e.message}); the recovery sweep will find it`, context));
  }

  /** The run of an execution whose lease this runner has just taken: announce it, step it, give back what it held. */
  private async runLeased(lease: Lease, leasedSince: number): Promise<RunOutcome> {
    const active = this.active.register(lease.executionId, lease.epoch, leasedSince);
    try {
      // Before the run is announced: a request reacting to `running` meets a run that is already stepping.
      active.budget = this.runBudget(lease, await this.budgets.open(lease, lease.budgetOverrides));
      this.commits.publishStarted(lease, active);
      return await inSpan(SpanName.Execution, { ...executionAttributes(lease), 'agent.lease_epoch': lease.epoch }, async (span) => {
        const ended = await this.loop.run(lease, active);
        span.setAttribute('agent.run_outcome', ended);
        return ended;
      });
    } finally {
      await active.budget?.release();
      this.active.release(active);
    }
  }

  /** The run's side of its budgets (`scope`: those that apply); its first estimate is the run's average step so far. */
  private runBudget(lease: Lease, scope: BudgetScope | null): RunBudget {
    const averageStepTokens = lease.stepCount > 0 ? Math.round((lease.inputTokens + lease.outputTokens) / lease.stepCount) : 0;
    return new RunBudget(this.budgets, this.options.billing.pricing, scope, lease.executionId, averageStepTokens);
  }

  /**
   * Terminal, parked or paused: nothing to do, the row decides. Running under another runner's
   * fresh lease: that runner may have just died (a re-delivered job arrives before its lease is
   * stale), so the job looks again when the lease would be stale. Scheduled but not due yet (a
   * job re-delivered after its worker died, or a clock ahead of the database's): the job comes
   * back when it is due.
   */
  private async notAcquired(executionId: string): Promise<RunResult> {
    const holder = await this.store.leaseHolder(executionId, this.options.lease.timeoutMs);
    if (holder?.status === ExecutionStatus.Scheduled && holder.dueInMs) return { outcome: RunOutcome.Held, retryInMs: holder.dueInMs };
    if (holder?.status !== ExecutionStatus.Running) return { outcome: RunOutcome.NotAcquired };
    return { outcome: RunOutcome.Held, retryInMs: (holder.staleInMs ?? 0) + 100 };
  }
}
