import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { ExecutionNotFoundError, InvalidTransitionError } from '../../errors/agent.errors.js';
import { ApprovalsPendingError } from '../../errors/tool-approval.errors.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { SIGNAL_NOTIFIER, type SignalNotice, type SignalNotifier } from '../../infrastructure/signal-notifier.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { LogEventType } from '../../runtime/log-event-type.js';
import type { Principal } from '../../tenancy/principal.js';
import { scopeFor, type Scope } from '../../tenancy/scope.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionStatus, NON_TERMINAL_STATUSES, PARKED_STATUSES } from '../execution-status.js';
import { ExecutionTransitions } from './execution-transitions.js';

/**
 * The answer to a control request. `pending` means it was recorded and takes effect at the
 * running step's end (pause, cancel of a running execution): HTTP answers 202 then.
 */
export interface ControlResult {
  execution: AgentExecutionEntity;
  pending: boolean;
}

/** Admin routes act on the whole tenant (only for principals with the admin role). */
export interface ControlOptions {
  asAdmin?: boolean;
  /**
   * When the request was made (ms since the epoch; default: now): a pause or cancel made before the
   * step in flight began stops that step. The routes pass the request's arrival.
   */
  requestedAt?: number;
}

/**
 * The lifecycle requests on an existing execution (pause, resume, cancel, kill, input): each one
 * guarded transition, or a signal for the runner of a running execution, and the job or notice
 * that follows it.
 */
@Injectable()
export class ExecutionControls {
  constructor(
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
    private readonly transitions: ExecutionTransitions,
    private readonly queue: ExecutionQueue,
    @Inject(SIGNAL_NOTIFIER) private readonly notifier: SignalNotifier,
  ) {}

  /** Pending: paused at once. Running: paused at the end of the step in flight (`pending: true`). */
  async pause(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    const requestedAt = control.requestedAt ?? Date.now();
    const scope = scopeFor(principal, control.asAdmin);
    const { execution, currentStatus } = await this.transitions.tryApply(id, scope, {
      operation: 'pause',
      from: [ExecutionStatus.Pending],
      to: ExecutionStatus.Paused,
      log: { level: 'info', eventType: LogEventType.Paused, message: 'Paused before it ran', context: {} },
    });
    if (execution) return { execution, pending: false };
    return this.signalRunning(id, scope, 'pause', currentStatus, { executionId: id, type: 'pause', requestedAt });
  }

  /** Paused → pending, continuing from the checkpoint on a worker. */
  async resume(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    const execution = await this.transitions.apply(id, scopeFor(principal, control.asAdmin), {
      operation: 'resume',
      from: [ExecutionStatus.Paused],
      to: ExecutionStatus.Pending,
      log: { level: 'info', eventType: LogEventType.Resumed, message: 'Resumed', context: {} },
    });
    await this.queue.enqueue(id, execution.queue as QueueName, { epoch: execution.leaseEpoch });
    return { execution, pending: false };
  }

  /**
   * Graceful: an execution where nothing runs is cancelled at once; a running one stops at the end
   * of its step, or is force-killed if that step outlives `graceMs`.
   */
  async cancel(
    principal: Principal,
    id: string,
    graceMs = this.options.lifecycle.cancelGraceMs,
    control: ControlOptions = {},
  ): Promise<ControlResult> {
    const requestedAt = control.requestedAt ?? Date.now();
    const scope = scopeFor(principal, control.asAdmin);
    const { execution, currentStatus } = await this.transitions.tryApply(id, scope, {
      operation: 'cancel',
      from: PARKED_STATUSES,
      to: ExecutionStatus.Cancelled,
      log: { level: 'info', eventType: LogEventType.Cancelled, message: 'Cancelled', context: {} },
    });
    if (execution) {
      // A schedule that never ran still has its delayed job: remove it (it would only find the row cancelled).
      const neverRan = execution.scheduledFor && execution.leaseEpoch === 0;
      if (neverRan) await this.queue.remove(id, execution.queue as QueueName, 0).catch(() => undefined);
      return { execution, pending: false };
    }
    const notice: SignalNotice = { executionId: id, type: 'cancel', graceMs, requestedAt };
    return this.signalRunning(id, scope, 'cancel', currentStatus, notice, { grace_ms: graceMs });
  }

  /** `cancelled` at once, with `metadata.force_killed`; the step in flight is aborted and commits nothing. */
  async forceKill(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    const execution = await this.transitions.apply(id, scopeFor(principal, control.asAdmin), {
      operation: 'kill',
      from: NON_TERMINAL_STATUSES,
      to: ExecutionStatus.Cancelled,
      metadata: { force_killed: true },
      log: { level: 'warning', eventType: LogEventType.Cancelled, message: 'Force-killed', context: { force_killed: true } },
    });
    await this.notify({ executionId: id, type: 'kill' });
    return { execution, pending: false };
  }

  /** Awaiting input → pending: the input joins the history as a user message, and the run continues. */
  async sendInput(principal: Principal, id: string, input: JsonValue, control: ControlOptions = {}): Promise<ControlResult> {
    const { execution, currentStatus } = await this.transitions.tryApply(id, scopeFor(principal, control.asAdmin), {
      operation: 'send input to',
      from: [ExecutionStatus.AwaitingInput],
      to: ExecutionStatus.Pending,
      userMessage: input,
      noPendingApprovals: true,
      log: { level: 'info', eventType: LogEventType.InputReceived, message: 'Input received', context: {} },
    });
    if (!execution) {
      if (currentStatus === null) throw new ExecutionNotFoundError(id);
      // Still awaiting input after losing: the wait is for tool approvals.
      if (currentStatus === ExecutionStatus.AwaitingInput) throw new ApprovalsPendingError(id);
      throw new InvalidTransitionError('send input to', currentStatus);
    }
    await this.queue.enqueue(id, execution.queue as QueueName, { epoch: execution.leaseEpoch });
    return { execution, pending: false };
  }

  private async signalRunning(
    id: string,
    scope: Scope,
    operation: 'pause' | 'cancel',
    currentStatus: ExecutionStatus | null,
    notice: SignalNotice,
    payload: JsonObject = {},
  ): Promise<ControlResult> {
    if (currentStatus === null) throw new ExecutionNotFoundError(id);
    if (currentStatus !== ExecutionStatus.Running) throw new InvalidTransitionError(operation, currentStatus);
    const execution = await this.transitions.requestSignal(id, scope, operation, operation, payload);
    await this.notify({ ...notice, epoch: execution.leaseEpoch });
    return { execution, pending: true };
  }

  /** Best effort: the signal row (or the status) is already committed and is what counts. */
  private async notify(notice: SignalNotice): Promise<void> {
    await this.notifier.publish(notice).catch(() => undefined);
  }
}
