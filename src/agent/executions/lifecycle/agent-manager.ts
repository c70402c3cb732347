import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AgentError, StartItemError } from '../../errors/agent.errors.js';
import type { LimitsReport } from '../../errors/rate-limited.error.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { JsonValue } from '../../runtime/json.js';
import type { Principal } from '../../tenancy/principal.js';
import { TierPolicies } from '../../tenancy/tier-policies.js';
import type { AgentExecutionEntity } from '../entities/agent-execution.entity.js';
import { ExecutionStatus } from '../execution-status.js';
import { ExecutionControls, type ControlOptions, type ControlResult } from './execution-controls.js';
import { ExecutionForks, type ForkRequest } from './execution-forks.js';
import { ExecutionRetries } from './execution-retries.js';
import { BulkCancel, type BulkCancelLine } from './bulk-cancel.js';
import { ConcurrencyKeys } from './concurrency-keys.js';
import { ownScope, scopeFor } from '../../tenancy/scope.js';
import { StartAdmission, type Admitted, type ExecutionLinks } from './start-admission.js';
import type { StartOptions } from './start-options.js';
import { StartPreparation, type PreparedStart } from './start-preparation.js';
import { EAGER_START, type EagerStarter } from './eager-start.port.js';
import { ToolApprovals } from './tool-approvals.js';
import type { ToolApprovalDecision } from '../../runtime/tool-approval.js';

/** A start that belongs to a larger piece of work (see `startWithin`). */
export interface LinkedStartOptions extends StartOptions {
  links?: ExecutionLinks;
}

/** One start of `startMany`. */
export interface StartItem {
  agentType: string;
  input: JsonValue;
  options?: StartOptions;
}

/** What one item of `startMany` came to: its execution, or the refusal a lone start would have thrown (429, 409). */
export type StartOutcome = { execution: AgentExecutionEntity; error?: never } | { execution?: never; error: AgentError };

export interface StartedWithin {
  execution: AgentExecutionEntity;
  afterCommit: () => Promise<void>;
}

/**
 * The public service for controlling executions.
 * @example
 * const execution = await agents.start(principal, 'code-assistant', { prompt: 'list files' });
 */
@Injectable()
export class AgentManager {
  constructor(
    private readonly preparation: StartPreparation,
    private readonly admission: StartAdmission,
    private readonly queue: ExecutionQueue,
    private readonly tiers: TierPolicies,
    private readonly controls: ExecutionControls,
    private readonly approvals: ToolApprovals,
    private readonly forks: ExecutionForks,
    private readonly retries: ExecutionRetries,
    private readonly bulkCancel: BulkCancel,
    private readonly concurrencyKeys: ConcurrencyKeys,
    @Inject(EAGER_START) private readonly eager: EagerStarter,
  ) {}

  async start(principal: Principal, agentType: string, input: JsonValue, options: StartOptions = {}): Promise<AgentExecutionEntity> {
    return this.admitPrepared(principal, await this.preparation.prepare(principal, agentType, input, options), options);
  }

  /**
   * Many starts of one principal in one call. Every item is checked first, as `start` checks one: an
   * item that fails (unknown agent type, bad input, queue, hooks) throws `StartItemError` (its
   * status, `details.index`) and nothing is started. The starter's workspace quota (413) and budgets
   * (402) are looked at once for the batch, and refuse all of it. Then all are admitted together
   * (the admissions share statements and commits), in the order given, each against the tier's
   * limits as a lone start would be: an item over a limit, or reusing an idempotency key for another
   * request, comes back with its `error`, and the others start. Give each item an `idempotencyKey`
   * to retry a call that failed midway without starting anything twice.
   * @example
   * const outcomes = await agents.startMany(principal, files.map((file) => ({ agentType: 'summarize', input: { file } })));
   */
  async startMany(principal: Principal, items: readonly StartItem[]): Promise<StartOutcome[]> {
    const prepared = await Promise.all(
      items.map((item, index) =>
        this.preparation.prepareItem(principal, item.agentType, item.input, item.options ?? {}).catch((error: unknown) => {
          throw error instanceof AgentError ? new StartItemError(index, error) : error;
        }),
      ),
    );
    // The quota and budgets are the starter's: looked at once for the whole batch.
    if (prepared[0]) await this.preparation.assertStarterHasRoom(principal, prepared[0].tier);
    return Promise.all(
      prepared.map((request, index) =>
        this.admitPrepared(principal, request, items[index]!.options ?? {}, false).then(
          (execution): StartOutcome => ({ execution }),
          (error: unknown): StartOutcome => {
            if (error instanceof AgentError) return { error };
            throw error;
          },
        ),
      ),
    );
  }

  /**
   * A checked start admitted, then enqueued or run here. `admitEagerly: false` keeps the admissions
   * of a batch in one queue, so they meet the limits in the order given (an eager admission is a
   * transaction of its own, beside them); a slot free here still runs the committed start at once.
   */
  private async admitPrepared(
    principal: Principal,
    request: PreparedStart,
    options: StartOptions,
    admitEagerly = true,
  ): Promise<AgentExecutionEntity> {
    const eager = admitEagerly ? await this.eager.admit(principal, request.tier, request.row) : null;
    // An eager start is already running here: it has no job to enqueue.
    if (eager?.running) return eager.admitted.execution;
    const admitted = eager?.admitted ?? (await this.admission.admit(principal, request.tier, request.row));
    await this.afterStart(admitted, options);
    return admitted.execution;
  }

  /**
   * A start inside the caller's open transaction (a conversation turn, a pipeline's first stage),
   * with the row linked to what it belongs to. Call `afterCommit()` once that transaction commits:
   * it enqueues the job (a hint; the recovery sweep re-enqueues a pending row whose job was lost).
   */
  async startWithin(
    client: PoolClient,
    principal: Principal,
    agentType: string,
    input: JsonValue,
    options: LinkedStartOptions,
  ): Promise<StartedWithin> {
    const request = await this.preparation.prepare(principal, agentType, input, options);
    const admitted = await this.admission.admitWithin(client, principal, request.tier, { ...request.row, links: options.links });
    return { execution: admitted.execution, afterCommit: () => this.afterStart(admitted, options) };
  }

  /**
   * Replay / fork: a new execution of the caller's that starts from the state `id` had after
   * `step` (its messages and data then; 0 = from the start), optionally with another input, and
   * runs the original's agent version. Linked to it (`forkedFromExecutionId`, `forkedFromStep`);
   * admitted like any start (tier limits, budgets). An admin (`asAdmin`) may fork any execution of
   * the tenant; the fork is the admin's own.
   * @example
   * const retry = await agents.fork(principal, failed.id, { step: 3, input: { prompt: 'try again, shorter' } });
   */
  async fork(principal: Principal, id: string, request: ForkRequest, options: { asAdmin?: boolean } = {}): Promise<AgentExecutionEntity> {
    const scope = options.asAdmin ? scopeFor(principal, true) : ownScope(principal);
    const admitted = await this.forks.fork(principal, id, request, scope);
    await this.afterStart(admitted, {});
    return admitted.execution;
  }

  /**
   * Starts a failed or cancelled execution again from the beginning: a new execution of its owner with
   * its agent type (current version), input, metadata, tier and queue, linked to it
   * (`retriedFromExecutionId`) and admitted as the owner's start (tier limits → 429, budgets → 402).
   * Anything else answers 409: another status (`InvalidTransitionError`), or a conversation turn, a
   * pipeline stage or a subagent (`NotRetryableError`: start their conversation, pipeline or parent again).
   * An admin (`asAdmin`) may retry any execution of the tenant.
   * @example
   * const again = await agents.retry(admin, failed.id, { asAdmin: true });
   */
  async retry(principal: Principal, id: string, options: { asAdmin?: boolean } = {}): Promise<AgentExecutionEntity> {
    const scope = options.asAdmin ? scopeFor(principal, true) : ownScope(principal);
    const { admitted, options: startOptions } = await this.retries.retry(principal, id, scope);
    await this.afterStart(admitted, startOptions);
    return admitted.execution;
  }

  /** The job (or delayed job, or wait deadline) of a newly admitted execution; a pending one may run here at once instead (eager start). */
  private async afterStart({ execution, created, priority }: Admitted, options: StartOptions): Promise<void> {
    if (!created) return; // the idempotency key's execution: nothing new to enqueue
    const queue = execution.queue as QueueName;
    if (execution.status === ExecutionStatus.Pending && !(await this.eager.runCommitted(execution.id, queue))) {
      await this.queue.enqueue(execution.id, queue, { epoch: 0, priority });
    }
    // A keyed start waits for its key's slot (its release enqueues it); a scheduled one for its time.
    if (options.concurrency) await this.concurrencyKeys.release(execution.tenantId, options.concurrency.key);
    else if (execution.status === ExecutionStatus.Scheduled) {
      await this.queue.enqueue(execution.id, queue, { epoch: 0, priority, delayMs: Math.max(0, options.runAt!.getTime() - Date.now()) });
    }
    if (options.awaitEvent?.timeoutSeconds) {
      await this.queue.expireWait(execution.id, queue, {
        status: 'awaiting_event',
        epoch: 0,
        afterMs: options.awaitEvent.timeoutSeconds * 1000,
      });
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
  scheduleAt(
    principal: Principal,
    agentType: string,
    input: JsonValue,
    runAt: Date,
    options: Omit<StartOptions, 'runAt' | 'awaitEvent'> = {},
  ): Promise<AgentExecutionEntity> {
    return this.start(principal, agentType, input, { ...options, runAt });
  }

  /** Pending: paused at once. Running: paused at the end of the step in flight (`pending: true`). */
  pause(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    return this.controls.pause(principal, id, control);
  }

  /** Paused → pending, continuing from the checkpoint on a worker. */
  resume(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    return this.controls.resume(principal, id, control);
  }

  /**
   * Graceful: an execution where nothing runs is cancelled at once; a running one stops at the end
   * of its step, or is force-killed if that step outlives `graceMs` (default: `lifecycle.cancelGraceMs`).
   */
  cancel(principal: Principal, id: string, graceMs?: number, control: ControlOptions = {}): Promise<ControlResult> {
    return this.controls.cancel(principal, id, graceMs, control);
  }

  /**
   * `cancel` for each id, one line per id in the order given: `cancelled`, `cancelling` (running: it
   * stops at the end of its step), `already_finished`, or `not_found` (outside the caller's scope too).
   * @example
   * const { length } = (await agents.cancelMany(admin, ids, undefined, { asAdmin: true })).filter((l) => l.outcome === 'not_found');
   */
  cancelMany(principal: Principal, ids: readonly string[], graceMs?: number, control: ControlOptions = {}): Promise<BulkCancelLine[]> {
    return this.bulkCancel.cancel(principal, ids, graceMs, control);
  }

  /** `cancelled` at once, with `metadata.force_killed`; the step in flight is aborted and commits nothing. */
  forceKill(principal: Principal, id: string, control: ControlOptions = {}): Promise<ControlResult> {
    return this.controls.forceKill(principal, id, control);
  }

  /** Awaiting input → pending: the input joins the history as a user message, and the run continues. */
  sendInput(principal: Principal, id: string, input: JsonValue, control: ControlOptions = {}): Promise<ControlResult> {
    return this.controls.sendInput(principal, id, input, control);
  }

  /**
   * Approves or denies a tool call the execution is parked on (`pending_approvals` of its view).
   * The last decision of the wait resumes it: approved calls run in the next step, denied ones reach
   * the model as the tool's result, with the reason. `pending: true` while other calls still wait.
   * Throws `ApprovalNotFoundError` (404) for an approval never requested, `ApprovalNotPendingError`
   * (409) once it was decided or the execution stopped waiting.
   * @example
   * await agents.decideToolApproval(principal, executionId, approvalId, { approved: false, reason: 'Not on production' });
   */
  async decideToolApproval(
    principal: Principal,
    executionId: string,
    approvalId: string,
    decision: ToolApprovalDecision,
    control: Pick<ControlOptions, 'asAdmin'> = {},
  ): Promise<ControlResult> {
    const decided = await this.approvals.decide(executionId, scopeFor(principal, control.asAdmin), approvalId, decision);
    return { execution: decided.execution, pending: !decided.resumed };
  }
}
