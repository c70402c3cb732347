import { Injectable, Logger } from '@nestjs/common';
import type { ModelUsage } from '../../runtime/step-context.js';
import type { CommittedLog } from '../committed-log.js';
import { publishCommitted, type StatusReached, type StepCompleted } from '../committed-events.js';
import { ExecutionEventName, ExecutionEvents } from '../execution-events.js';
import { ExecutionStatus, type ExecutionError } from '../execution-status.js';
import type { ActiveExecution } from './active-executions.js';
import { ExecutionStore } from './execution-store.js';
import type { Lease } from './lease.js';
import { logFields, RUN_LOG_CONTEXT } from './run-logs.js';
import { RunOutcome } from './run-outcome.js';
import type { CommitRequest, CommitResult } from './step-commit.js';

/** What a transition without a step carries besides its status. */
export type BareTransition = Pick<CommitRequest, 'logs' | 'metadata' | 'waitSeconds'> & {
  error?: ExecutionError;
  usage?: readonly ModelUsage[];
};

/**
 * A run's commits and what follows each one: its events, published after the commit, in `seq`
 * order; and the stop of a run whose commit was refused (another runner holds the execution now).
 */
@Injectable()
export class RunCommits {
  private readonly logger = new Logger(RUN_LOG_CONTEXT);

  constructor(
    private readonly store: ExecutionStore,
    private readonly events: ExecutionEvents,
  ) {}

  /** A chunk is spent: the lease is let go so the continuation job takes the run at once. */
  releaseForContinuation(lease: Lease): Promise<void> {
    return this.store.releaseForContinuation(lease);
  }

  /** The lease's own commit (its `started` row, status `running`), announced once the run is ready to step. */
  publishStarted(lease: Lease, active: ActiveExecution): void {
    this.publishOn(lease, active, [lease.log], {
      status: ExecutionStatus.Running,
      stepCount: lease.stepCount,
      tokenUsage: lease.inputTokens + lease.outputTokens,
      completedAt: null,
      error: null,
      settlePending: false,
    });
  }

  /** After a step's commit: each log, the step it completes, the status it reached (if it left `running`). */
  publishStep(lease: Lease, active: ActiveExecution, committed: CommitResult, step: StepCompleted): void {
    this.publishOn(lease, active, committed.logs, committed.status !== ExecutionStatus.Running ? committed : null, step);
  }

  /** A transition without a step (a stop, a failure, a hand-over): the status, the error and the logs. */
  async end(
    lease: Lease,
    active: ActiveExecution,
    stepNumber: number,
    nextStatus: ExecutionStatus,
    transition: BareTransition,
  ): Promise<RunOutcome> {
    const { usage, ...rest } = transition;
    const committed = await this.store.commit({
      lease,
      stepsAdded: 0,
      stepNumber,
      messages: [],
      inputTokens: 0,
      outputTokens: 0,
      state: null,
      nextStatus,
      ...rest,
      billing: active.budget?.billing(usage),
    });
    if (!committed) return this.leaseLost(lease, stepNumber, active);
    active.budget?.committed();
    this.publishOn(lease, active, committed.logs, committed);
    if (nextStatus === ExecutionStatus.Pending) return RunOutcome.Continued;
    if (nextStatus === ExecutionStatus.Paused) return RunOutcome.Paused;
    if (nextStatus === ExecutionStatus.Cancelled) return RunOutcome.Cancelled;
    return RunOutcome.Ended;
  }

  /** The commit was refused: killed (the row says `cancelled` already), or taken over by another runner. */
  leaseLost(lease: Lease, stepNumber: number, active: ActiveExecution): RunOutcome {
    if (active.killed) return RunOutcome.Killed;
    this.logger.warn(`Lease ${lease.epoch} lost before step ${stepNumber} committed; stopping`, logFields(lease));
    const { executionId, tenantId, userId, agentType } = lease;
    this.events.publish({ name: ExecutionEventName.LeaseLost, executionId, tenantId, userId, agentType, stepNumber, epoch: lease.epoch });
    return RunOutcome.LeaseLost;
  }

  private publishOn(
    lease: Lease,
    active: ActiveExecution,
    logs: readonly CommittedLog[],
    status: StatusReached | null,
    step: StepCompleted | null = null,
  ): void {
    const lastSeq = publishCommitted(this.events, lease, logs, status, step);
    if (lastSeq !== undefined) active.lastSeq = lastSeq;
  }
}
