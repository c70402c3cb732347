import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AGENT_OPTIONS } from '../../agent.constants.js';
import type { ResolvedAgentOptions } from '../../agent.options.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { totalTokens as totalTokensOf, type AgentState } from '../../runtime/agent-state.js';
import type { StepLog } from '../../runtime/step-context.js';
import { sumUsage } from '../../runtime/step-recorder.js';
import { nextStateAfter, type NextState } from '../../runtime/step-transition.js';
import { subagentAgentType, type SpawnRequest } from '../../runtime/subagent-access.js';
import { ActiveExecutions, type ActiveExecution } from './active-executions.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import { ExecutionEventName, ExecutionEvents } from '../execution-events.js';
import { publishCommitted, type StepCompleted } from '../committed-events.js';
import { ExecutionStatus, FailureCode, type ExecutionError } from '../execution-status.js';
import { ExecutionStore } from './execution-store.js';
import type { Lease } from './lease.js';
import type { CommitRequest, CommitResult } from './step-commit.js';
import { LinkedExecutions, type LinkedExecutionRow } from '../lifecycle/linked-executions.js';
import { ExecutionTransitions } from '../lifecycle/execution-transitions.js';
import { ANY_SCOPE } from '../../tenancy/scope.js';
import { StepExecutor } from './step-executor.js';
import { EventTriggerService } from '../lifecycle/event-trigger.service.js';
import { BudgetService } from '../../billing/budget.service.js';
import { BudgetExceededError, type BudgetState } from '../../billing/budget-exceeded.error.js';
import { executionAttributes, inSpan, SpanName } from '../../runtime/tracing.js';
import type { JsonObject } from '../../runtime/json.js';
import type { ModelUsage } from '../../runtime/step-context.js';
import { RunBudget } from './run-budget.js';
import { LogEventType } from '../../runtime/log-event-type.js';

/** How a job's run ended, for the processor, tests and metrics. */
export type RunOutcome = 'not_acquired' | 'held' | 'lease_lost' | 'killed' | 'ended' | 'paused' | 'cancelled' | 'continued';

export interface RunResult {
  outcome: RunOutcome;
  /** With `held`: when the holder's lease goes stale unless it heartbeats; the job checks again then. */
  retryInMs?: number;
}

const STATUS_BY_NEXT: Record<NextState['kind'], ExecutionStatus> = {
  continue: ExecutionStatus.Running,
  chunk_spent: ExecutionStatus.Pending,
  completed: ExecutionStatus.Completed,
  failed: ExecutionStatus.Failed,
  awaiting_input: ExecutionStatus.AwaitingInput,
  awaiting_event: ExecutionStatus.AwaitingEvent,
  awaiting_children: ExecutionStatus.AwaitingChildren,
};

/**
 * The step loop (DESIGN.md): take the lease, run steps, commit each with its transition in one
 * statement, publish after commit, stop when done, parked, paused, cancelled, out of chunk, or no
 * longer ours.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);
  /** Identifies this process in `lease_owner`, for operators reading the table. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private draining = false;

  constructor(
    private readonly store: ExecutionStore,
    private readonly registry: AgentRegistry,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly executor: StepExecutor,
    private readonly active: ActiveExecutions,
    private readonly triggers: EventTriggerService,
    private readonly linked: LinkedExecutions,
    private readonly transitions: ExecutionTransitions,
    private readonly budgets: BudgetService,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
  ) {}

  /** Shutdown: running executions checkpoint at their next step boundary and hand over. */
  drain(): void {
    this.draining = true;
  }

  /** Runs one job's worth of an execution. Agent errors end the run; infrastructure errors throw (the job retries). */
  async run(executionId: string): Promise<RunResult> {
    const leasedSince = Date.now();
    const lease = await this.store.acquireLease(executionId, this.owner, this.options.lease.timeoutMs);
    if (!lease) return this.notAcquired(executionId);
    const active = this.active.register(executionId, lease.epoch, leasedSince);
    try {
      // Before the run is announced: a request reacting to `running` meets a run that is already stepping.
      const averageStepTokens = lease.stepCount > 0 ? Math.round((lease.inputTokens + lease.outputTokens) / lease.stepCount) : 0;
      active.budget = new RunBudget(this.budgets, this.options.billing.pricing, await this.budgets.open(lease), lease.executionId, averageStepTokens);
      this.publishCommit(lease, active, {
        status: ExecutionStatus.Running,
        stepCount: lease.stepCount,
        tokenUsage: lease.inputTokens + lease.outputTokens,
        completedAt: null,
        error: null,
        logs: [lease.log],
        pendingSignals: [],
        settlePending: false,
      }, true);
      const outcome = await inSpan(SpanName.Execution, { ...executionAttributes(lease), 'agent.lease_epoch': lease.epoch }, async (span) => {
        const ended = await this.loop(lease, active);
        span.setAttribute('agent.run_outcome', ended);
        return ended;
      });
      return { outcome };
    } finally {
      await active.budget?.release();
      this.active.release(active);
    }
  }

  /**
   * Terminal, parked or paused: nothing to do, the row decides. Running under another runner's
   * fresh lease: that runner may have just died (a re-delivered job arrives before its lease is
   * stale), so the job looks again when the lease would be stale.
   */
  private async notAcquired(executionId: string): Promise<RunResult> {
    const holder = await this.store.leaseHolder(executionId, this.options.lease.timeoutMs);
    if (holder?.status !== ExecutionStatus.Running) return { outcome: 'not_acquired' };
    return { outcome: 'held', retryInMs: (holder.staleInMs ?? 0) + 100 };
  }

  private async loop(lease: Lease, active: ActiveExecution): Promise<RunOutcome> {
    const agent = this.registry.get(lease.agentType);
    if (!agent) {
      const error = { code: FailureCode.UnknownAgentType, message: `Agent type '${lease.agentType}' is not registered in this worker` };
      return this.end(lease, active, lease.stepCount, ExecutionStatus.Failed, { error, logs: [failureLog(error)] });
    }
    let state: AgentState = {
      input: lease.input,
      messages: lease.messageCount > 0 || lease.conversationId ? await this.store.loadMessages(lease.executionId, lease.conversationId) : [],
      data: lease.state,
      stepCount: lease.stepCount,
      usage: { inputTokens: lease.inputTokens, outputTokens: lease.outputTokens },
    };
    const deadline = lease.startedAt.getTime() + agent.limits.timeoutSeconds * 1000;
    let pendingSignals = lease.pendingSignals;

    for (let stepsThisJob = 1; ; stepsThisJob++) {
      const requested = new Set([...pendingSignals, ...active.requested]);
      if (requested.has('cancel')) return this.end(lease, active, state.stepCount, ExecutionStatus.Cancelled, { logs: [stopLog(LogEventType.Cancelled, 'Cancelled')] });
      if (requested.has('pause')) return this.end(lease, active, state.stepCount, ExecutionStatus.Paused, { logs: [stopLog(LogEventType.Paused, 'Paused')] });
      if (this.draining) return this.handOver(lease, active, state.stepCount);

      const stepNumber = state.stepCount + 1;
      // NOTE: no await without a budget: the step begins in the same turn as the commit before it.
      const exhausted = active.budget!.applies ? await active.budget!.reserve() : null;
      if (exhausted) return this.budgetExceeded(lease, active, state.stepCount, exhausted);
      const attempt = await this.executor.attempt(agent, lease, active, state, stepNumber, deadline);
      if (!attempt.ok && attempt.killed) return 'killed'; // already `cancelled` in the row; nothing of the step lands
      if (!attempt.ok && 'stopped' in attempt) continue; // the pause or cancel lands at the boundary before it
      if (!attempt.ok) {
        this.logger.warn(`Step ${stepNumber} failed: ${attempt.error.message}`, { ...logFields(lease), step: stepNumber, code: attempt.error.code });
        // Nothing the failed step produced is committed, except its logs explaining the failure and what its model calls cost.
        return this.end(lease, active, stepNumber, ExecutionStatus.Failed, {
          error: attempt.error,
          logs: [...attempt.recording.logs, failureLog(attempt.error)],
          usage: attempt.recording.usage,
        });
      }

      const { result, recording, durationMs } = attempt;
      const usage = sumUsage(recording.usage);
      const totalTokens = totalTokensOf(state.usage) + totalTokensOf(usage);
      const next = nextStateAfter(result, { stepCount: stepNumber, totalTokens, stepsThisJob }, agent.limits, agent.chunkSize);
      const messages = result.messages ?? [];
      const stepType = result.stepType ?? 'custom';
      const toolNames = result.toolNames ?? [];
      const stepLog: StepLog = {
        level: 'info',
        eventType: LogEventType.StepCompleted,
        message: `Step ${stepNumber} completed`,
        context: { step_type: stepType, tool_names: toolNames, duration_ms: durationMs, input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
      };
      const request: CommitRequest = {
        lease,
        stepsAdded: 1,
        stepNumber,
        messages,
        logs: [...recording.logs, stepLog, ...transitionLogs(next)],
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        state: result.data ?? null,
        nextStatus: STATUS_BY_NEXT[next.kind],
        output: next.kind === 'completed' ? next.output : undefined,
        error: next.kind === 'failed' ? { code: next.code, message: next.message } : undefined,
        awaitingEvent: next.kind === 'awaiting_event' ? next.eventType : null,
        metadata: next.kind === 'awaiting_input' ? { input_prompt: next.prompt } : undefined,
        waitSeconds: waitSecondsOf(next, this.options),
        billing: active.budget!.billing(recording.usage),
      };
      // A spawning step commits with its children, in one transaction: all of it, or (lease lost) none of it.
      const spawned = next.kind === 'awaiting_children' ? await this.store.commitSpawning(request, childRows(lease, stepNumber, next.spawn)) : null;
      const committed = spawned ? spawned.committed : await this.store.commit(request);
      if (!committed) return this.leaseLost(lease, stepNumber, active);
      active.budget!.committed();
      this.publishCommit(lease, active, committed, committed.status !== ExecutionStatus.Running, {
        stepNumber,
        stepType,
        toolNames,
        tokensUsed: usage.inputTokens + usage.outputTokens,
      });

      switch (next.kind) {
        case 'continue':
          pendingSignals = committed.pendingSignals;
          state = {
            input: state.input,
            messages: messages.length > 0 ? [...state.messages, ...messages] : state.messages,
            data: result.data ?? state.data,
            stepCount: stepNumber,
            usage: { inputTokens: state.usage.inputTokens + usage.inputTokens, outputTokens: state.usage.outputTokens + usage.outputTokens },
          };
          continue;
        case 'chunk_spent':
          await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch });
          return 'continued';
        case 'awaiting_input':
        case 'awaiting_event': {
          const waitSeconds = waitSecondsOf(next, this.options);
          if (waitSeconds !== undefined) {
            await this.queue.expireWait(lease.executionId, lease.queue as QueueName, { status: next.kind, epoch: lease.epoch, afterMs: waitSeconds * 1000 });
          }
          // The event may have come before the wait: it waits in the inbox (the recovery sweep re-checks too).
          if (next.kind === 'awaiting_event') await this.triggers.wakeFromInbox(lease.executionId, next.eventType);
          return 'ended';
        }
        case 'awaiting_children': {
          // A cancel asked during the spawning step lands now, not once the children are done: its settlement
          // cancels the children while they are still pending, so they are not enqueued at all.
          const cancelled = committed.pendingSignals.includes('cancel') && (await this.cancelWaitingParent(lease));
          // The children's jobs are hints (the recovery sweep re-enqueues pending rows); this job ends: no worker waits.
          if (!cancelled) await this.linked.enqueue(spawned?.children ?? []);
          return 'ended';
        }
        default:
          return 'ended';
      }
    }
  }

  /** The next step would pass a budget: `failed` with `budget_exceeded`, or `paused` (resumable once the budget is raised). */
  private budgetExceeded(lease: Lease, active: ActiveExecution, stepCount: number, budget: BudgetState): Promise<RunOutcome> {
    const error = { code: FailureCode.BudgetExceeded, message: new BudgetExceededError(budget).message };
    const log: StepLog = { level: 'warning', eventType: LogEventType.BudgetExceeded, message: error.message, context: { budget: budget as unknown as JsonObject } };
    this.logger.warn(error.message, logFields(lease));
    if (this.options.billing.onBudgetExceeded === 'pause') {
      return this.end(lease, active, stepCount, ExecutionStatus.Paused, { logs: [log, stopLog(LogEventType.Paused, 'Paused: budget exceeded')], metadata: { paused_reason: 'budget_exceeded' } });
    }
    return this.end(lease, active, stepCount, ExecutionStatus.Failed, { error, logs: [log, failureLog(error)] });
  }

  /** At shutdown: back to `pending` with a continuation job, so another worker (or this one, restarted) resumes. */
  private async handOver(lease: Lease, active: ActiveExecution, stepCount: number): Promise<RunOutcome> {
    const outcome = await this.end(lease, active, stepCount, ExecutionStatus.Pending, {
      logs: [{ level: 'info', eventType: LogEventType.Checkpointed, message: 'Worker shutting down; execution handed over', context: { status: 'pending' } }],
    });
    if (outcome === 'continued') await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: lease.epoch });
    return outcome;
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

  /** A transition without a step: the status, the error and the logs. */
  private async end(
    lease: Lease,
    active: ActiveExecution,
    stepNumber: number,
    nextStatus: ExecutionStatus,
    extra: Pick<CommitRequest, 'logs' | 'metadata'> & { error?: ExecutionError; usage?: readonly ModelUsage[] },
  ): Promise<RunOutcome> {
    const { usage, ...rest } = extra;
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
    this.publishCommit(lease, active, committed, true);
    if (nextStatus === ExecutionStatus.Pending) return 'continued';
    if (nextStatus === ExecutionStatus.Paused) return 'paused';
    if (nextStatus === ExecutionStatus.Cancelled) return 'cancelled';
    return 'ended';
  }

  private leaseLost(lease: Lease, stepNumber: number, active?: ActiveExecution): RunOutcome {
    if (active?.killed) return 'killed';
    this.logger.warn(`Lease ${lease.epoch} lost before step ${stepNumber} committed; stopping`, logFields(lease));
    this.events.publish({ name: ExecutionEventName.LeaseLost, ...ids(lease), stepNumber, epoch: lease.epoch });
    return 'lease_lost';
  }

  /** After commit, in `seq` order: each log, the step it completes, the status it reached. */
  private publishCommit(lease: Lease, active: ActiveExecution, committed: CommitResult, statusChanged: boolean, step: StepCompleted | null = null): void {
    const lastSeq = publishCommitted(this.events, lease, committed.logs, statusChanged ? committed : null, step);
    if (lastSeq !== undefined) active.lastSeq = lastSeq;
  }
}

/** How long a wait may last: input waits by option, event waits as the step asked (none = forever). */
function waitSecondsOf(next: NextState, options: ResolvedAgentOptions): number | undefined {
  if (next.kind === 'awaiting_input') return options.lifecycle.inputTimeoutSeconds;
  if (next.kind === 'awaiting_event') return next.timeoutSeconds;
  return undefined;
}

/**
 * The children of a spawning step: on the parent's queue (the tier's choice holds for the work it
 * belongs to), one level deeper, tagged with the step that spawned them (the parent's `step_count`
 * while it waits, which is how its wake-up finds them) and the tool call each one answers.
 */
function childRows(lease: Lease, stepNumber: number, spawn: SpawnRequest[]): LinkedExecutionRow[] {
  return spawn.map((request) => ({
    tenantId: lease.tenantId,
    userId: lease.userId,
    tier: lease.tier,
    agentType: subagentAgentType(request.subagent),
    queue: lease.queue as QueueName,
    input: request.input,
    metadata: { subagent: request.subagent, tool_call_id: request.toolCallId ?? null, spawn_step: stepNumber },
    parentExecutionId: lease.executionId,
    depth: lease.depth + 1,
  }));
}

const ids = (lease: Lease) => ({ executionId: lease.executionId, tenantId: lease.tenantId, userId: lease.userId, agentType: lease.agentType });

/** Structured fields of the application log lines about an execution. */
const logFields = (lease: Lease) => ({ execution_id: lease.executionId, tenant_id: lease.tenantId, agent_type: lease.agentType });

const failureLog = (error: ExecutionError): StepLog => ({ level: 'error', eventType: LogEventType.Failed, message: error.message, context: { code: error.code, status: 'failed' } });

const stopLog = (eventType: typeof LogEventType.Paused | typeof LogEventType.Cancelled, message: string): StepLog => ({ level: 'info', eventType, message, context: { status: eventType } });

function transitionLogs(next: NextState): StepLog[] {
  switch (next.kind) {
    case 'completed':
      return [{ level: 'info', eventType: LogEventType.Completed, message: 'Execution completed', context: { status: 'completed' } }];
    case 'failed':
      return [failureLog({ code: next.code, message: next.message })];
    case 'awaiting_input':
      return [{ level: 'info', eventType: LogEventType.AwaitingInput, message: next.prompt, context: { status: 'awaiting_input' } }];
    case 'awaiting_event':
      return [{ level: 'info', eventType: LogEventType.AwaitingEvent, message: `Waiting for event '${next.eventType}'`, context: { event_type: next.eventType, status: 'awaiting_event' } }];
    case 'awaiting_children': {
      const names = next.spawn.map((s) => s.subagent);
      return [{ level: 'info', eventType: LogEventType.AwaitingChildren, message: `Waiting for ${names.length} subagent(s): ${names.join(', ')}`, context: { subagents: names, status: 'awaiting_children' } }];
    }
    case 'chunk_spent':
      return [{ level: 'debug', eventType: LogEventType.Checkpointed, message: 'Chunk finished; continuation enqueued', context: { status: 'pending' } }];
    case 'continue':
      return [];
  }
}
