import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import type { ResolvedInfrastructureOptions } from '../../infrastructure/infrastructure.options.js';
import { SIGNAL_NOTIFIER, type SignalNotice, type SignalNotifier } from '../../infrastructure/signal-notifier.js';
import { ExecutionStatus } from '../execution-status.js';
import { ANY_SCOPE } from '../../tenancy/scope.js';
import type { RunBudget } from './run-budget.js';
import { ExecutionTransitions } from '../lifecycle/execution-transitions.js';
import { LogEventType } from '../../runtime/log-event-type.js';

/** The reason a step's signal aborts with when the execution was force-killed. */
export class ForceKilledError extends Error {
  constructor() {
    super('Execution was force-killed');
    this.name = 'ForceKilledError';
  }
}

/**
 * The reason a step's signal aborts with when a pause or cancel was asked before the step began:
 * the commit before it could not see the request yet, so the step is given back (nothing of it
 * is committed) and the request lands at that boundary, not one whole step later.
 */
export class StopRequestedError extends Error {
  constructor() {
    super('A pause or cancel was requested before this step began');
    this.name = 'StopRequestedError';
  }
}

/** One execution this process holds the lease of. */
export class ActiveExecution {
  /** Requests heard through notifications; the signal rows remain the truth. */
  readonly requested = new Set<'pause' | 'cancel'>();
  killed = false;
  /** The `seq` of the last event published for this execution (token events carry it). */
  lastSeq = 0;
  /** The run's budget reservations (set by the runner once the lease is taken). */
  budget: RunBudget | null = null;
  private step: AbortController | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private stepStartedAt = 0;

  constructor(
    readonly executionId: string,
    readonly epoch: number,
  ) {}

  beginStep(controller: AbortController): void {
    this.step = controller;
    this.stepStartedAt = Date.now();
    if (this.killed) controller.abort(new ForceKilledError());
  }

  endStep(): void {
    this.step = null;
    this.clearGrace();
  }

  kill(): void {
    this.killed = true;
    this.step?.abort(new ForceKilledError());
  }

  /** A pause or cancel made before the step in flight began (and so missed by the commit before it) stops that step. */
  requestStop(kind: 'pause' | 'cancel', requestedAt: number | undefined): void {
    this.requested.add(kind);
    if (this.step && requestedAt !== undefined && requestedAt < this.stepStartedAt) this.step.abort(new StopRequestedError());
  }

  /** Starts the grace period of a cancel, if a step is in flight (between steps the cancel lands at once). */
  startGrace(graceMs: number, onExpired: () => void): void {
    if (!this.step || this.graceTimer) return;
    this.graceTimer = setTimeout(onExpired, graceMs);
    this.graceTimer.unref();
  }

  clearGrace(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}

/**
 * The executions this process is running, and what notifications do to them: `kill` aborts the
 * step in flight at once; `cancel` and `pause` are noted for the next step boundary, and a
 * cancel whose step outlives the grace period becomes a force kill.
 */
/** How long a notice for an execution not running here is kept, and how many at most (every node hears every notice). */
const EARLY_NOTICE_MS = 5_000;
const EARLY_NOTICE_LIMIT = 10_000;

@Injectable()
export class ActiveExecutions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ActiveExecutions.name);
  private readonly active = new Map<string, ActiveExecution>();
  /** Notices for executions not running here (yet): one may be this node's, between its lease and `register`. */
  private readonly early = new Map<string, { notice: SignalNotice; at: number }>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(SIGNAL_NOTIFIER) private readonly notifier: SignalNotifier,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions & ResolvedInfrastructureOptions,
    private readonly transitions: ExecutionTransitions,
  ) {}

  onModuleInit(): void {
    if (this.options.workers.enabled) this.unsubscribe = this.notifier.subscribe((notice) => this.onNotice(notice));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * `leasedSince`: when the runner began taking the lease. A kill, or a cancel asked since then,
   * that arrived before this call still applies: without it, a cancel in that gap would only land
   * at the step's commit, never escalated to a kill.
   */
  register(executionId: string, epoch: number, leasedSince = Date.now()): ActiveExecution {
    const execution = new ActiveExecution(executionId, epoch);
    this.active.set(executionId, execution);
    const early = this.early.get(executionId);
    this.early.delete(executionId);
    if (early && Date.now() - early.at <= EARLY_NOTICE_MS) {
      const { notice } = early;
      // NOTE: a kill is final (the execution cannot be leased again), a cancel counts only if asked during this lease.
      if (notice.type === 'kill' || (notice.type === 'cancel' && (notice.requestedAt ?? 0) >= leasedSince)) this.onNotice(notice);
    }
    return execution;
  }

  release(execution: ActiveExecution): void {
    execution.clearGrace();
    if (this.active.get(execution.executionId) === execution) this.active.delete(execution.executionId);
  }

  private onNotice(notice: SignalNotice): void {
    const execution = this.active.get(notice.executionId);
    if (!execution) return this.remember(notice); // not running here, or not registered yet
    if (notice.type !== 'kill' && notice.epoch !== undefined && notice.epoch !== execution.epoch) return; // made to another lease
    switch (notice.type) {
      case 'kill':
        execution.kill();
        break;
      case 'pause':
        execution.requestStop('pause', notice.requestedAt);
        break;
      case 'cancel':
        execution.requestStop('cancel', notice.requestedAt);
        execution.startGrace(notice.graceMs ?? this.options.lifecycle.cancelGraceMs, () => void this.escalate(execution));
        break;
    }
  }

  private remember(notice: SignalNotice): void {
    if (notice.type === 'pause') return;
    const now = Date.now();
    if (this.early.size >= EARLY_NOTICE_LIMIT) {
      for (const [id, entry] of this.early) if (now - entry.at > EARLY_NOTICE_MS) this.early.delete(id);
      if (this.early.size >= EARLY_NOTICE_LIMIT) this.early.delete(this.early.keys().next().value!);
    }
    this.early.set(notice.executionId, { notice, at: now });
  }

  /** The cancelled step did not finish in time: force-kill it (one guarded transition), then abort it. */
  private async escalate(execution: ActiveExecution): Promise<void> {
    try {
      const { execution: killed } = await this.transitions.tryApply(execution.executionId, ANY_SCOPE, {
        operation: 'kill',
        from: [ExecutionStatus.Running],
        to: ExecutionStatus.Cancelled,
        epoch: execution.epoch,
        metadata: { force_killed: true, cancel_escalated: true },
        log: {
          level: 'warning',
          eventType: LogEventType.Cancelled,
          message: 'Cancel grace period expired: force-killed',
          context: { force_killed: true },
        },
      });
      if (killed) execution.kill();
    } catch (error) {
      this.logger.error(`Escalating a cancel to a kill failed: ${(error as Error).message}`, { execution_id: execution.executionId });
    }
  }
}
