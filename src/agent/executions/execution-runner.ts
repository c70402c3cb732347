import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { ExecutionQueue } from '../infrastructure/execution-queue.js';
import { abortable, StepTimeoutError } from '../runtime/abortable.js';
import type { AgentState } from '../runtime/agent-state.js';
import type { StepLog } from '../runtime/step-context.js';
import { recordStep, sumUsage, type StepRecording } from '../runtime/step-recorder.js';
import type { StepResult } from '../runtime/step-result.js';
import { findStepResultProblem } from '../runtime/step-result-check.js';
import { nextStateAfter, type NextState } from '../runtime/step-transition.js';
import { AgentRegistry, type RegisteredAgent } from './agent-registry.js';
import { ExecutionEventName, ExecutionEvents } from './execution-events.js';
import { ExecutionStatus, FailureCode, type ExecutionError } from './execution-status.js';
import { ExecutionStore, type CommitRequest, type CommitResult, type Lease } from './execution-store.js';
import { LeaseHeartbeat } from './lease-heartbeat.js';

type StepAttempt =
  | { ok: true; result: StepResult; recording: StepRecording; durationMs: number }
  | { ok: false; error: ExecutionError; recording: StepRecording };

const STATUS_BY_NEXT: Record<NextState['kind'], ExecutionStatus> = {
  continue: ExecutionStatus.Running,
  chunk_spent: ExecutionStatus.Pending,
  completed: ExecutionStatus.Completed,
  failed: ExecutionStatus.Failed,
  awaiting_input: ExecutionStatus.AwaitingInput,
  awaiting_event: ExecutionStatus.AwaitingEvent,
};

/**
 * The step loop (DESIGN.md): take the lease, run steps, commit each with its transition in one
 * statement, publish after commit, stop when done, parked, out of chunk, or no longer ours.
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
    private readonly heartbeat: LeaseHeartbeat,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
  ) {}

  /** Shutdown: running executions checkpoint at their next step boundary and hand over. */
  drain(): void {
    this.draining = true;
  }

  /** Runs one job's worth of an execution. Agent errors end the run; infrastructure errors throw (the job retries). */
  async run(executionId: string): Promise<void> {
    const lease = await this.store.acquireLease(executionId, this.owner, this.options.lease.timeoutMs);
    if (!lease) return; // terminal, parked, or held by a live runner: the row decides
    this.publishStatus(lease, { status: ExecutionStatus.Running, stepCount: lease.stepCount, tokenUsage: lease.inputTokens + lease.outputTokens, completedAt: null, error: null, logs: [] });

    const agent = this.registry.get(lease.agentType);
    if (!agent) {
      const error = { code: FailureCode.UnknownAgentType, message: `Agent type '${lease.agentType}' is not registered in this worker` };
      await this.end(lease, lease.stepCount, ExecutionStatus.Failed, { error, logs: [failureLog(error)] });
      return;
    }

    let state: AgentState = {
      input: lease.input,
      messages: await this.store.loadMessages(executionId),
      data: lease.state,
      stepCount: lease.stepCount,
      usage: { inputTokens: lease.inputTokens, outputTokens: lease.outputTokens },
    };
    const deadline = lease.startedAt.getTime() + agent.limits.timeoutSeconds * 1000;

    for (let stepsThisJob = 1; ; stepsThisJob++) {
      if (this.draining) {
        await this.handOver(lease, agent, state.stepCount);
        return;
      }
      const stepNumber = state.stepCount + 1;
      const attempt = await this.attemptStep(agent, lease, state, stepNumber, deadline);
      if (!attempt.ok) {
        // Nothing the failed step produced is committed, except its logs explaining the failure.
        await this.end(lease, stepNumber, ExecutionStatus.Failed, { error: attempt.error, logs: [...attempt.recording.logs, failureLog(attempt.error)] });
        return;
      }

      const { result, recording, durationMs } = attempt;
      const usage = sumUsage(recording.usage);
      const next = nextStateAfter(
        result,
        { stepCount: stepNumber, totalTokens: state.usage.inputTokens + state.usage.outputTokens + usage.inputTokens + usage.outputTokens, stepsThisJob },
        agent.limits,
        agent.chunkSize,
      );
      const messages = result.messages ?? [];
      const stepType = result.stepType ?? 'custom';
      const toolNames = result.toolNames ?? [];
      const logs: StepLog[] = [
        ...recording.logs,
        {
          level: 'info',
          eventType: 'step_completed',
          message: `Step ${stepNumber} completed`,
          context: { step_type: stepType, tool_names: toolNames, duration_ms: durationMs, input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
        },
        ...transitionLogs(next),
      ];
      const committed = await this.store.commit({
        lease,
        stepsAdded: 1,
        stepNumber,
        messages,
        logs,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        state: result.data ?? null,
        nextStatus: STATUS_BY_NEXT[next.kind],
        output: next.kind === 'completed' ? next.output : undefined,
        error: next.kind === 'failed' ? { code: next.code, message: next.message } : undefined,
        awaitingEvent: next.kind === 'awaiting_event' ? next.eventType : null,
      });
      if (!committed) {
        this.leaseLost(lease, stepNumber);
        return;
      }
      this.events.publish({
        name: ExecutionEventName.StepCompleted,
        ...ids(lease),
        stepNumber,
        stepType,
        toolNames,
        tokensUsed: usage.inputTokens + usage.outputTokens,
        timestamp: new Date(),
      });
      this.publishCommit(lease, committed);

      if (next.kind === 'continue') {
        state = {
          input: state.input,
          messages: messages.length > 0 ? [...state.messages, ...messages] : state.messages,
          data: result.data ?? state.data,
          stepCount: stepNumber,
          usage: { inputTokens: state.usage.inputTokens + usage.inputTokens, outputTokens: state.usage.outputTokens + usage.outputTokens },
        };
        continue;
      }
      if (next.kind === 'chunk_spent') await this.queue.enqueue(lease.executionId, agent.queue, { continuation: stepNumber });
      return;
    }
  }

  private async attemptStep(agent: RegisteredAgent, lease: Lease, state: AgentState, stepNumber: number, deadline: number): Promise<StepAttempt> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new StepTimeoutError(agent.limits.timeoutSeconds)), Math.max(0, deadline - Date.now()));
    const { context, recording } = recordStep(
      { ...ids(lease), agentType: lease.agentType, stepNumber },
      controller.signal,
      (text) => this.events.publish({ name: ExecutionEventName.Token, ...ids(lease), stepNumber, text }),
    );
    const stopHeartbeat = this.heartbeat.start(lease);
    const startedAt = performance.now();
    try {
      const result = await abortable(agent.stepper.step(state, context), controller.signal);
      const problem = findStepResultProblem(result);
      if (problem) return { ok: false, error: { code: FailureCode.StepError, message: `Invalid step result: ${problem}` }, recording };
      return { ok: true, result, recording, durationMs: Math.round(performance.now() - startedAt) };
    } catch (error) {
      if (error instanceof StepTimeoutError) return { ok: false, error: { code: FailureCode.Timeout, message: error.message }, recording };
      return { ok: false, error: { code: FailureCode.StepError, message: describe(error) }, recording };
    } finally {
      clearTimeout(timer);
      stopHeartbeat();
    }
  }

  /** At shutdown: back to `pending` with a continuation job, so another worker (or this one, restarted) resumes. */
  private async handOver(lease: Lease, agent: RegisteredAgent, stepCount: number): Promise<void> {
    const committed = await this.end(lease, stepCount, ExecutionStatus.Pending, {
      logs: [{ level: 'info', eventType: 'checkpointed', message: 'Worker shutting down; execution handed over', context: {} }],
    });
    if (committed) await this.queue.enqueue(lease.executionId, agent.queue, { continuation: stepCount });
  }

  /** A transition without a step: nothing but the status, the error and the logs. */
  private async end(
    lease: Lease,
    stepNumber: number,
    nextStatus: ExecutionStatus,
    extra: Pick<CommitRequest, 'logs'> & { error?: ExecutionError },
  ): Promise<CommitResult | null> {
    const committed = await this.store.commit({
      lease,
      stepsAdded: 0,
      stepNumber,
      messages: [],
      inputTokens: 0,
      outputTokens: 0,
      state: null,
      nextStatus,
      ...extra,
    });
    if (committed) this.publishCommit(lease, committed);
    else this.leaseLost(lease, stepNumber);
    return committed;
  }

  private leaseLost(lease: Lease, stepNumber: number): void {
    this.logger.warn(`Execution ${lease.executionId}: lease ${lease.epoch} lost before step ${stepNumber} committed; stopping`);
    this.events.publish({ name: ExecutionEventName.LeaseLost, ...ids(lease), stepNumber, epoch: lease.epoch });
  }

  private publishCommit(lease: Lease, committed: CommitResult): void {
    for (const log of committed.logs) this.events.publish({ name: ExecutionEventName.LogAppended, ...ids(lease), log });
    if (committed.status !== ExecutionStatus.Running) this.publishStatus(lease, committed);
  }

  private publishStatus(lease: Lease, committed: CommitResult): void {
    this.events.publish({
      name: ExecutionEventName.StatusChanged,
      ...ids(lease),
      status: committed.status,
      stepCount: committed.stepCount,
      tokenUsage: committed.tokenUsage,
      completedAt: committed.completedAt,
      error: committed.error,
    });
  }
}

const ids = (lease: Lease) => ({ executionId: lease.executionId, tenantId: lease.tenantId, userId: lease.userId });

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);

const failureLog = (error: ExecutionError): StepLog => ({
  level: 'error',
  eventType: 'failed',
  message: error.message,
  context: { code: error.code },
});

function transitionLogs(next: NextState): StepLog[] {
  switch (next.kind) {
    case 'completed':
      return [{ level: 'info', eventType: 'completed', message: 'Execution completed', context: {} }];
    case 'failed':
      return [failureLog({ code: next.code, message: next.message })];
    case 'awaiting_input':
      return [{ level: 'info', eventType: 'awaiting_input', message: next.prompt, context: {} }];
    case 'awaiting_event':
      return [{ level: 'info', eventType: 'awaiting_event', message: `Waiting for event '${next.eventType}'`, context: { event_type: next.eventType } }];
    case 'chunk_spent':
      return [{ level: 'debug', eventType: 'checkpointed', message: 'Chunk finished; continuation enqueued', context: {} }];
    case 'continue':
      return [];
  }
}
