import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedInfrastructureOptions } from '../../infrastructure/infrastructure.options.js';
import type { QueueName } from '../../infrastructure/queue-names.js';

/** A queue's worker, as eager starts see it: BullMQ's `Worker` fetches while its running jobs are below `concurrency`. */
export interface SlotLender {
  concurrency: number;
}

/** A slot an eager run borrowed from its queue's worker; `giveBack` returns it (once). */
export interface EagerSlot {
  readonly queue: QueueName;
  giveBack(): void;
}

/**
 * The worker slots eager starts run in (`workers.eagerStart`). A slot is borrowed by lowering the
 * queue's worker concurrency by one, so the worker fetches one job less while the eager run lasts
 * and the queue's concurrency still bounds the process: borrowed only while the jobs running
 * leave one free, and never the last one (BullMQ's concurrency is at least 1).
 */
@Injectable()
export class EagerSlots {
  private readonly enabled: boolean;
  private readonly lenders = new Map<QueueName, SlotLender>();
  private readonly jobs = new Map<QueueName, number>();
  private readonly runs = new Set<Promise<void>>();
  private closed = false;

  constructor(@Inject(AGENT_OPTIONS) options: ResolvedInfrastructureOptions) {
    this.enabled = options.workers.enabled && options.workers.eagerStart;
  }

  /** A queue's worker, once it runs. */
  lend(queue: QueueName, worker: SlotLender): void {
    this.lenders.set(queue, worker);
  }

  /** Brackets a job's handling: jobs running keep their slots. */
  jobStarted(queue: string): void {
    this.jobs.set(queue as QueueName, (this.jobs.get(queue as QueueName) ?? 0) + 1);
  }

  jobEnded(queue: string): void {
    this.jobs.set(queue as QueueName, (this.jobs.get(queue as QueueName) ?? 1) - 1);
  }

  /** A free slot of `queue`'s worker here, or null (eager starts off, no worker, shutting down, or none free). */
  take(queue: QueueName): EagerSlot | null {
    const worker = this.lenders.get(queue);
    if (!this.enabled || this.closed || !worker) return null;
    if (worker.concurrency <= 1 || (this.jobs.get(queue) ?? 0) >= worker.concurrency) return null;
    worker.concurrency -= 1;
    let given = false;
    return {
      queue,
      giveBack: () => {
        if (given) return;
        given = true;
        worker.concurrency += 1;
      },
    };
  }

  /** An eager run in progress: shutdown waits for it as it waits for jobs. */
  track(run: Promise<void>): void {
    const settled: Promise<void> = run.catch(() => undefined).finally(() => this.runs.delete(settled));
    this.runs.add(settled);
  }

  /** Shutdown: no slot is lent any more; resolves once the eager runs in progress have ended (they hand over at their next step). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.runs);
  }
}
