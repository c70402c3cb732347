import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../agent.constants.js';
import type { ResolvedAgentOptions } from '../../agent.options.js';
import { ExecutionNotFoundError, InputTooLargeError, InvalidTransitionError, UnknownAgentTypeError } from '../../errors/agent.errors.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import { SIGNAL_NOTIFIER, type SignalNotice, type SignalNotifier } from '../../infrastructure/signal-notifier.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import type { Principal } from '../../tenancy/principal.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionStatus, NON_TERMINAL_STATUSES, PARKED_STATUSES } from '../execution-status.js';
import { ExecutionTransitions } from './execution-transitions.js';
import { scopeFor, type Scope } from '../../tenancy/scope.js';
import { InvalidRequestError, type LimitsReport } from '../../errors/rate-limited.error.js';
import { selectQueue } from '../../tenancy/queue-selection.js';
import { StartAdmission, type Admitted, type ExecutionLinks, type NewExecution } from './start-admission.js';
import type { TierPolicy } from '../../tenancy/tier-policy.js';
import type { PoolClient } from 'pg';
import { TierPolicies } from '../../tenancy/tier-policies.js';
import { WorkspaceService } from '../../workspaces/workspace.service.js';
import { BudgetService } from '../../billing/budget.service.js';
import { LogEventType } from '../../runtime/log-event-type.js';


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
}

/** A start that belongs to a larger piece of work (see `startWithin`). */
export interface LinkedStartOptions extends StartOptions {
  links?: ExecutionLinks;
}

export interface StartedWithin {
  execution: AgentExecutionEntity;
  afterCommit: () => Promise<void>;
}

export interface StartOptions {
  queue?: QueueName;
  metadata?: JsonObject;
  /** A second start with the same key (same user) returns the first execution instead of a new one. */
  idempotencyKey?: string;
  /** Run at this time (`scheduled` until then, no worker held); a time in the past runs now. */
  runAt?: Date;
  /** Start parked, waiting for this event (see `EventTriggerService.triggerEvent`). */
  awaitEvent?: { eventType: string; timeoutSeconds?: number };
  /** More than 50 expected steps → the long queue. */
  estimatedSteps?: number;
}

/**
 * The public service for controlling executions.
 * @example
 * const execution = await agents.start(principal, 'code-assistant', { prompt: 'list files' });
 */
@Injectable()
export class AgentManager {
  constructor(
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
    private readonly registry: AgentRegistry,
    private readonly queue: ExecutionQueue,
    private readonly transitions: ExecutionTransitions,
    private readonly tiers: TierPolicies,
    private readonly admission: StartAdmission,
    private readonly workspaces: WorkspaceService,
    private readonly budgets: BudgetService,
    @Inject(SIGNAL_NOTIFIER) private readonly notifier: SignalNotifier,
  ) {}

  async start(principal: Principal, agentType: string, input: JsonValue, options: StartOptions = {}): Promise<AgentExecutionEntity> {
    const request = await this.prepareStart(principal, agentType, input, options);
    const admitted = await this.admission.admit(principal, request.tier, request.row);
    await this.afterStart(admitted, options);
    return admitted.execution;
  }

  /**
   * A start inside the caller's open transaction (a conversation turn, a pipeline's first stage),
   * with the row linked to what it belongs to. Call `afterCommit()` once that transaction commits:
   * it enqueues the job (a hint; the recovery sweep re-enqueues a pending row whose job was lost).
   */
  async startWithin(client: PoolClient, principal: Principal, agentType: string, input: JsonValue, options: LinkedStartOptions): Promise<StartedWithin> {
    const request = await this.prepareStart(principal, agentType, input, options);
    const admitted = await this.admission.admitWithin(client, principal, request.tier, { ...request.row, links: options.links });
    return { execution: admitted.execution, afterCommit: () => this.afterStart(admitted, options) };
  }

  /** Checks the request and picks its queue: nothing is written yet. */
  private async prepareStart(principal: Principal, agentType: string, input: JsonValue, options: StartOptions): Promise<{ tier: TierPolicy & { name: string }; row: NewExecution }> {
    const agent = this.registry.get(agentType);
    if (!agent) throw new UnknownAgentTypeError(agentType, this.registry.names());
    const bytes = Buffer.byteLength(JSON.stringify(input ?? null));
    if (bytes > this.options.api.maxInputBytes) throw new InputTooLargeError(bytes, this.options.api.maxInputBytes);

    const tier = this.tiers.for(principal);
    const queue = selectQueue({
      explicit: options.queue,
      agentQueue: agent.queue,
      agentQueueIsDefault: agent.queue === this.options.defaults.queue,
      estimatedSteps: options.estimatedSteps,
      tier,
    });
    if (options.awaitEvent && options.runAt) throw new InvalidRequestError('Give run_at or await_event, not both');
    const status = options.awaitEvent ? ExecutionStatus.AwaitingEvent : options.runAt ? ExecutionStatus.Scheduled : ExecutionStatus.Pending;
    // The tenant's workspaces at the tier's disk quota: 413 (QuotaExceededError), before anything is written.
    await this.workspaces.assertStartAllowed(principal);
    // A user or tenant whose monthly budget is used up: 402 (BudgetExceededError).
    await this.budgets.assertStartAllowed({ tenantId: principal.tenantId, userId: principal.userId, tier: tier.name });
    return {
      tier,
      row: {
        agentType,
        queue,
        status,
        input,
        metadata: options.metadata ?? {},
        idempotencyKey: options.idempotencyKey ?? null,
        scheduledFor: options.runAt ?? null,
        awaitingEvent: options.awaitEvent?.eventType ?? null,
        waitSeconds: options.awaitEvent?.timeoutSeconds ?? null,
      },
    };
  }

  /** The job (or delayed job, or wait deadline) of a newly admitted execution. */
  private async afterStart({ execution, created, priority }: Admitted, options: StartOptions): Promise<void> {
    if (!created) return; // the idempotency key's execution: nothing new to enqueue
    const queue = execution.queue as QueueName;
    if (execution.status === ExecutionStatus.Pending) await this.queue.enqueue(execution.id, queue, { epoch: 0, priority });
    if (execution.status === ExecutionStatus.Scheduled) {
      await this.queue.enqueue(execution.id, queue, { epoch: 0, priority, delayMs: Math.max(0, options.runAt!.getTime() - Date.now()) });
    }
    if (options.awaitEvent?.timeoutSeconds) {
      await this.queue.expireWait(execution.id, queue, { status: 'awaiting_event', epoch: 0, afterMs: options.awaitEvent.timeoutSeconds * 1000 });
    }
  }

  /** The caller's usage of its tier's limits (`GET /api/agents/limits`). */
  limits(principal: Principal): Promise<LimitsReport> {
    return this.admission.usage(principal, this.tiers.for(principal));
  }

  /**
   * `scheduled` until `runAt` (a delayed job, no worker held); cancellable until it runs.
   * @example
   * await agents.scheduleAt(principal, 'report', { week: 47 }, new Date('2026-12-01T06:00:00Z'));
   */
  scheduleAt(principal: Principal, agentType: string, input: JsonValue, runAt: Date, options: Omit<StartOptions, 'runAt' | 'awaitEvent'> = {}): Promise<AgentExecutionEntity> {
    return this.start(principal, agentType, input, { ...options, runAt });
  }

  /** Pending: paused at once. Running: paused at the end of the step in flight (`pending: true`). */
  async pause(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    const requestedAt = Date.now();
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
  async cancel(principal: Principal, id: string, graceMs = this.options.lifecycle.cancelGraceMs, control: ControlOptions = {}): Promise<ControlResult> {
    const requestedAt = Date.now();
    const scope = scopeFor(principal, control.asAdmin);
    const { execution, currentStatus } = await this.transitions.tryApply(id, scope, {
      operation: 'cancel',
      from: PARKED_STATUSES,
      to: ExecutionStatus.Cancelled,
      log: { level: 'info', eventType: LogEventType.Cancelled, message: 'Cancelled', context: {} },
    });
    if (execution) {
      // A schedule that never ran still has its delayed job: remove it (it would only find the row cancelled).
      if (execution.scheduledFor && execution.leaseEpoch === 0) await this.queue.remove(id, execution.queue as QueueName, 0).catch(() => undefined);
      return { execution, pending: false };
    }
    return this.signalRunning(id, scope, 'cancel', currentStatus, { executionId: id, type: 'cancel', graceMs, requestedAt }, { grace_ms: graceMs });
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
    const execution = await this.transitions.apply(id, scopeFor(principal, control.asAdmin), {
      operation: 'send input to',
      from: [ExecutionStatus.AwaitingInput],
      to: ExecutionStatus.Pending,
      userMessage: input,
      log: { level: 'info', eventType: LogEventType.InputReceived, message: 'Input received', context: {} },
    });
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
    await this.notify(notice);
    return { execution, pending: true };
  }

  /** Best effort: the signal row (or the status) is already committed and is what counts. */
  private async notify(notice: SignalNotice): Promise<void> {
    await this.notifier.publish(notice).catch(() => undefined);
  }

}
