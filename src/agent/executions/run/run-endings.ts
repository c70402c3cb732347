import { Inject, Injectable, Logger } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { ResolvedBillingOptions } from '../../billing/billing.options.js';
import { BudgetExceededError, type BudgetState } from '../../billing/budget-exceeded.error.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import type { NextState } from '../../runtime/step-transition.js';
import { ANY_SCOPE } from '../../tenancy/scope.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionStatus, FailureCode } from '../execution-status.js';
import { EventTriggerService } from '../lifecycle/event-trigger.service.js';
import { ExecutionTransitions } from '../lifecycle/execution-transitions.js';
import { LinkedExecutions } from '../lifecycle/linked-executions.js';
import type { ActiveExecution } from './active-executions.js';
import type { Lease } from './lease.js';
import type { RequestedStop } from './requested-stop.js';
import { ExecutionStore } from './execution-store.js';
import { RunCommits } from './run-commits.js';
import {
  budgetExceededLog,
  failureLog,
  handOverLog,
  logFields,
  retryLog,
  RUN_LOG_CONTEXT,
  stopLog,
  versionMissingLog,
} from './run-logs.js';
import { RunOutcome } from './run-outcome.js';
import type { CommitResult } from './step-commit.js';
import { sleepMs, stepTiming, waitSecondsOf } from './step-commit-request.js';
import { sumUsage } from '../../runtime/step-recorder.js';
import { retryDelayMs } from '../../runtime/retryable-error.js';
import type { RegisteredAgent } from '../registry/agent-registry.js';
import type { StepAttempt } from './step-executor.js';

export type FailedAttempt = Extract<StepAttempt, { error: unknown }>;

/**
 * What happens when a run stops stepping in this job: it finishes, fails, parks, pauses, is
 * cancelled or hands over; and the hints that follow its last commit (a continuation job, a wait's
 * expiry job, an event already in the inbox, the children's jobs).
 */
@Injectable()
export class RunEndings {
  private readonly logger = new Logger(RUN_LOG_CONTEXT);

  constructor(
    private readonly commits: RunCommits,
    private readonly store: ExecutionStore,
    private readonly queue: ExecutionQueue,
    private readonly triggers: EventTriggerService,
    private readonly linked: LinkedExecutions,
    private readonly transitions: ExecutionTransitions,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & ResolvedBillingOptions,
  ) {}

  /**
   * This worker lacks the execution's agent version (`known`: the versions of its type it has, none
   * when it does not know the type at all). Another node may have it (a rolling deploy): the run
   * goes back to `pending` with a job after `versionRetryDelayMs`, for any worker to take. Once the
   * version has been missing for `versionGoneAfterSeconds` with no step run meanwhile, no node has
   * it: `failed` with `agent_version_gone` (`unknown_agent_type` if no version of the type is
   * known), never another version's code on this checkpoint.
   */
  async versionMissing(lease: Lease, active: ActiveExecution, known: string[]): Promise<RunOutcome> {
    const { versionGoneAfterSeconds, versionRetryDelayMs } = this.options.lifecycle;
    const marked = await this.store.markVersionMissing(lease, versionGoneAfterSeconds);
    if (!marked) return this.commits.leaseLost(lease, lease.stepCount, active);
    const wanted = `Agent type '${lease.agentType}' version '${lease.agentVersion}'`;
    const has = known.length > 0 ? `this worker has version ${known.join(', ')}` : 'this worker does not know the type';
    if (marked.gone) {
      const message = `${wanted} is not registered (${has}); it has been missing since ${marked.since.toISOString()}`;
      const code = known.length > 0 ? FailureCode.AgentVersionGone : FailureCode.UnknownAgentType;
      const error = { code, message };
      this.logger.warn(message, logFields(lease));
      return this.commits.end(lease, active, lease.stepCount, ExecutionStatus.Failed, { error, logs: [failureLog(error)] });
    }
    const logs = [versionMissingLog(`${wanted} is not registered (${has}); handed back for a worker that has it`, known)];
    const outcome = await this.commits.end(lease, active, lease.stepCount, ExecutionStatus.Pending, { logs });
    if (outcome === RunOutcome.Continued) {
      await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch, delayMs: versionRetryDelayMs });
    }
    return outcome;
  }

  /** A pause or cancel asked for lands at this step boundary. */
  stop(lease: Lease, active: ActiveExecution, stepCount: number, stop: RequestedStop): Promise<RunOutcome> {
    if (stop === 'cancel') {
      const logs = [stopLog(LogEventType.Cancelled, 'Cancelled')];
      return this.commits.end(lease, active, stepCount, ExecutionStatus.Cancelled, { logs });
    }
    return this.commits.end(lease, active, stepCount, ExecutionStatus.Paused, { logs: [stopLog(LogEventType.Paused, 'Paused')] });
  }

  /**
   * Nothing the failed step produced is committed, except its logs explaining the failure (with its
   * completed tool calls: the receipts a retry reuses) and what its model calls cost. A retryable
   * failure with attempts left parks the run as `scheduled` until the next attempt (no worker held);
   * any other fails it.
   */
  async stepFailed(
    lease: Lease,
    active: ActiveExecution,
    agent: RegisteredAgent,
    stepNumber: number,
    failed: FailedAttempt,
  ): Promise<RunOutcome> {
    const { error, recording, retry } = failed;
    const attempt = lease.stepRetry?.step === stepNumber ? lease.stepRetry.attempt : 1;
    const timing = stepTiming(recording, failed.durationMs, sumUsage(recording.usage));
    const attempts = agent.retries + 1;
    if (retry.retryable && attempt < attempts) {
      const delayMs = retryDelayMs(attempt, agent.retryBackoff, retry.retryAfterMs);
      this.logger.warn(
        `Step ${stepNumber} failed (attempt ${attempt} of ${attempts}), retrying in ${delayMs} ms: ${error.message}`,
        logFields(lease),
      );
      const outcome = await this.commits.end(lease, active, stepNumber, ExecutionStatus.Scheduled, {
        logs: [...recording.logs, retryLog(error, attempt + 1, attempts, delayMs, timing)],
        usage: recording.usage,
        metadata: { step_retry: { step: stepNumber, attempt: attempt + 1 } },
        waitSeconds: delayMs / 1000,
      });
      // The next attempt's job is a hint: a due retry whose job was lost is found by the recovery sweep.
      if (outcome === RunOutcome.Ended)
        await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch, delayMs });
      return outcome;
    }
    this.logger.warn(`Step ${stepNumber} failed: ${error.message}`, { ...logFields(lease), step: stepNumber, code: error.code });
    const final = retry.retryable && attempts > 1 ? { ...error, message: `${error.message} (after ${attempts} attempts)` } : error;
    const logs = [...recording.logs, failureLog(final, { tokens: recording.tokens, epoch: lease.epoch }, timing)];
    return this.commits.end(lease, active, stepNumber, ExecutionStatus.Failed, { error: final, logs, usage: recording.usage });
  }

  /** The next step would pass a budget: `failed` with `budget_exceeded`, or `paused` (resumable once the budget is raised). */
  budgetExceeded(lease: Lease, active: ActiveExecution, stepCount: number, budget: BudgetState): Promise<RunOutcome> {
    const error = { code: FailureCode.BudgetExceeded, message: new BudgetExceededError(budget).message };
    const log = budgetExceededLog(budget, error.message);
    this.logger.warn(error.message, logFields(lease));
    if (this.options.billing.onBudgetExceeded === 'pause') {
      const logs = [log, stopLog(LogEventType.Paused, 'Paused: budget exceeded')];
      return this.commits.end(lease, active, stepCount, ExecutionStatus.Paused, { logs, metadata: { paused_reason: 'budget_exceeded' } });
    }
    return this.commits.end(lease, active, stepCount, ExecutionStatus.Failed, { error, logs: [log, failureLog(error)] });
  }

  /** At shutdown: back to `pending` with a continuation job, so another worker (or this one, restarted) resumes. */
  async handOver(lease: Lease, active: ActiveExecution, stepCount: number): Promise<RunOutcome> {
    const outcome = await this.commits.end(lease, active, stepCount, ExecutionStatus.Pending, { logs: [handOverLog()] });
    if (outcome === RunOutcome.Continued) await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch });
    return outcome;
  }

  /**
   * After the commit of a step that stopped the run (`next` is anything but `continue`): the hints that
   * follow it. `waitSeconds`: the wait the commit added to its own clock (a sleep's `scheduled_for`).
   */
  async afterLastStep(
    lease: Lease,
    next: NextState,
    committed: CommitResult,
    children: AgentExecutionEntity[],
    waitSeconds?: number,
  ): Promise<RunOutcome> {
    switch (next.kind) {
      case 'chunk_spent':
        await this.commits.releaseForContinuation(lease);
        await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch });
        return RunOutcome.Continued;
      case 'awaiting_input':
      case 'awaiting_event': {
        const waitSeconds = waitSecondsOf(next, this.options.lifecycle.inputTimeoutSeconds);
        if (waitSeconds !== undefined) {
          const wait = { status: next.kind, epoch: lease.epoch, afterMs: waitSeconds * 1000 };
          await this.queue.expireWait(lease.executionId, lease.queue as QueueName, wait);
        }
        // The event may have come before the wait: it waits in the inbox (the recovery sweep re-checks too).
        if (next.kind === 'awaiting_event') await this.triggers.wakeFromInbox(lease.executionId, next.eventType);
        return RunOutcome.Ended;
      }
      case 'sleeping':
        // The wake-up is a delayed job (a hint): the recovery sweep re-enqueues a due sleeper whose job was lost.
        // NOTE: the commit's wait, counted from now (after the commit): never before `scheduled_for`, which the
        // commit set from its transaction's start. The time left until `next.until`, taken now, came up to a
        // slow commit's length early, and the lease takes a due sleeper up to a second early.
        await this.queue.enqueue(lease.executionId, lease.queue as QueueName, {
          epoch: lease.epoch,
          delayMs: Math.ceil((waitSeconds ?? sleepMs(next.until) / 1000) * 1000),
        });
        return RunOutcome.Ended;
      case 'awaiting_children': {
        // A cancel asked during the spawning step lands now, not once the children are done: its settlement
        // cancels the children while they are still pending, so they are not enqueued at all.
        const cancelled = committed.pendingSignals.includes('cancel') && (await this.cancelWaitingParent(lease));
        // The children's jobs are hints (the recovery sweep re-enqueues pending rows); this job ends: no worker waits.
        if (!cancelled) await this.linked.enqueue(children);
        return RunOutcome.Ended;
      }
      default:
        return RunOutcome.Ended;
    }
  }

  private async cancelWaitingParent(lease: Lease): Promise<boolean> {
    const { execution } = await this.transitions.tryApply(lease.executionId, ANY_SCOPE, {
      operation: 'cancel',
      from: [ExecutionStatus.AwaitingChildren],
      to: ExecutionStatus.Cancelled,
      epoch: lease.epoch,
      log: { level: 'info', eventType: LogEventType.Cancelled, message: 'Cancelled', context: {} },
    });
    return execution !== null;
  }
}
