import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { ResolvedBillingOptions } from '../../billing/billing.options.js';
import type { BudgetScope } from '../../billing/budget.service.js';
import { ExecutionBudgets } from '../lifecycle/execution-budgets.js';
import { executionAttributes, inSpan, SpanName } from '../../runtime/tracing.js';
import { ExecutionStatus } from '../execution-status.js';
import { ActiveExecutions } from './active-executions.js';
import { ExecutionStore } from './execution-store.js';
import type { Lease } from './lease.js';
import { RunBudget } from './run-budget.js';
import { RunCommits } from './run-commits.js';
import { RunOutcome, type RunResult } from './run-outcome.js';
import { StepLoop } from './step-loop.js';

/**
 * One job's run of an execution (DESIGN.md): take the lease, announce the run, let the step loop
 * run it, and give back what the run held (its budget reservation, its place among the active).
 */
@Injectable()
export class ExecutionRunner {
  /** Identifies this process in `lease_owner`, for operators reading the table. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly store: ExecutionStore,
    private readonly active: ActiveExecutions,
    private readonly budgets: ExecutionBudgets,
    private readonly commits: RunCommits,
    private readonly loop: StepLoop,
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
    const active = this.active.register(executionId, lease.epoch, leasedSince);
    try {
      // Before the run is announced: a request reacting to `running` meets a run that is already stepping.
      active.budget = this.runBudget(lease, await this.budgets.open(lease, lease.budgetOverrides));
      this.commits.publishStarted(lease, active);
      const outcome = await inSpan(
        SpanName.Execution,
        { ...executionAttributes(lease), 'agent.lease_epoch': lease.epoch },
        async (span) => {
          const ended = await this.loop.run(lease, active);
          span.setAttribute('agent.run_outcome', ended);
          return ended;
        },
      );
      return { outcome };
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
   * stale), so the job looks again when the lease would be stale.
   */
  private async notAcquired(executionId: string): Promise<RunResult> {
    const holder = await this.store.leaseHolder(executionId, this.options.lease.timeoutMs);
    if (holder?.status !== ExecutionStatus.Running) return { outcome: RunOutcome.NotAcquired };
    return { outcome: RunOutcome.Held, retryInMs: (holder.staleInMs ?? 0) + 100 };
  }
}
