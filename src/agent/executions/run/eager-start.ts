import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { inTransaction } from '../../infrastructure/in-transaction.js';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import { ExecutionQueue } from '../../infrastructure/execution-queue.js';
import type { QueueName } from '../../infrastructure/queue-names.js';
import type { Principal } from '../../tenancy/principal.js';
import type { TierPolicy } from '../../tenancy/tier-policy.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { ExecutionStatus } from '../execution-status.js';
import type { EagerAdmitted, EagerStarter } from '../lifecycle/eager-start.port.js';
import { StartAdmission, type NewExecution } from '../lifecycle/start-admission.js';
import { EagerSlots, type EagerSlot } from './eager-slots.js';
import { ExecutionRunner } from './execution-runner.js';
import type { Lease } from './lease.js';
import { RUN_LOG_CONTEXT } from './run-logs.js';

/**
 * Eager start (`workers.eagerStart`, after Temporal's eager workflow start): a start that would
 * run at once (`pending`) while this process's worker of its queue has a free slot is admitted
 * and leased in one transaction, then run in that slot: one commit and no queue hop before its
 * first step, instead of the admission's commit, a job, and the lease's commit. The lease is as
 * durable as a job's (committed with the row, fenced by its epoch), and the start's job still
 * exists, delayed (`watch`), for the run to be taken over if this process dies. An execution
 * admitted in someone else's transaction (`runCommitted`) is leased on its own once that committed:
 * two commits then, still no queue hop.
 */
@Injectable()
export class EagerStart implements EagerStarter, OnModuleInit {
  private readonly logger = new Logger(RUN_LOG_CONTEXT);
  /**
   * Looked up once every provider exists: the runner reaches `AgentManager` (its step loop parks on
   * events through `EventTriggerService`, which starts through the manager), which asks this class.
   */
  private runner!: ExecutionRunner;
  /**
   * Eager admissions on their way. Each holds a connection for its transaction, and those of one
   * user wait in turn for the user's lock: a burst of 200 starts by one user, all eager, held the
   * pool while they queued for the lock (0.7-0.9 s for the 200 starts, the runs' steps starved of
   * connections, against ~50 ms admitted together). Past `commits.inFlight` of them a start is
   * admitted the usual way, with the starts that queued beside it.
   */
  private admitting = 0;

  constructor(
    @Inject(AGENTS_DATABASE) private readonly database: AgentsDatabase,
    private readonly admission: StartAdmission,
    private readonly slots: EagerSlots,
    private readonly queue: ExecutionQueue,
    private readonly moduleRef: ModuleRef,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {}

  onModuleInit(): void {
    this.runner = this.moduleRef.get(ExecutionRunner);
  }

  /**
   * Null when the start is not eager (not `pending`, no slot free here, or `commits.inFlight` eager
   * admissions already on their way): admit it the usual way.
   */
  async admit(principal: Principal, tier: TierPolicy & { name: string }, row: NewExecution): Promise<EagerAdmitted | null> {
    if (row.status !== ExecutionStatus.Pending || this.admitting >= this.options.commits.inFlight) return null;
    const slot = this.slots.take(row.queue as QueueName);
    if (!slot) return null;
    let began = false;
    this.admitting++;
    try {
      // The run begins once the transaction committed; until then the slot is only held.
      const admitted = await inTransaction(this.database.pool, async (client, afterCommit) => {
        const answer = await this.admission.admitWithin(client, principal, tier, row);
        const lease = answer.created ? await this.runner.leaseWithin(client, answer.execution.id) : null;
        if (lease) {
          afterCommit(() => {
            began = true;
            this.run(lease, slot);
          });
        }
        return answer;
      });
      return { admitted, running: began };
    } finally {
      this.admitting--;
      if (!began) slot.giveBack();
    }
  }

  async runCommitted(executionId: string, queue: string): Promise<boolean> {
    const slot = this.slots.take(queue as QueueName);
    if (!slot) return false;
    const leasedSince = Date.now();
    let lease: Lease | null = null;
    try {
      lease = await this.runner.leaseNow(executionId);
    } finally {
      if (!lease) slot.giveBack();
    }
    if (lease) this.run(lease, slot, leasedSince);
    return lease !== null;
  }

  /** The run, and beside it its watch: the start answers once the transaction committed, waiting for neither. */
  private run(lease: Lease, slot: EagerSlot, leasedSince = Date.now()): void {
    this.slots.track(this.runner.runEagerly(lease, slot, leasedSince));
    const context = { execution_id: lease.executionId };
    const lost = (error: Error) =>
      this.logger.warn(`No delayed job for this run (${error.message}): after a crash, the sweep finds it`, context);
    this.slots.track(this.watch(lease).catch(lost));
  }

  /**
   * The start's job, delayed by a lease timeout, enqueued while the first step runs: the hint that
   * outlives this process. It finds the run ended (nothing to do) or still leased (it comes back
   * when the lease would be stale, as any job does that meets a held lease); after a crash it finds
   * the lease stale and takes the run over, as BullMQ's stalled-job check does for a job's run.
   */
  private async watch(lease: Lease): Promise<void> {
    // NOTE: after what the run sends without waiting on I/O (its first step's commit, for a step that
    // does not): the job is for a crash, the step is what the caller waits for.
    await new Promise((resolve) => setImmediate(resolve));
    await this.queue.enqueue(lease.executionId, lease.queue as QueueName, { epoch: 0, delayMs: this.options.lease.timeoutMs });
  }
}
