import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { batchedAdds, type JobToAdd } from './batched-adds.js';
import type { GroupCommit } from './group-commit.js';
import { ExecutionJobName, QueueName } from './queue-names.js';
import { QUEUE_BACKEND } from './queue-backend.provider.js';
import type { ExecutionJobData, QueueBackend } from './queue-backend.js';

export interface EnqueueOptions {
  /**
   * The lease epoch the continuation follows (0 for a new execution). The job id is derived from
   * it, so enqueuing the same continuation twice is a no-op.
   */
  epoch: number;
  delayMs?: number;
  /** Fair admission across tenants: 1 = first (BullMQ priority). Continuations go first. */
  priority?: number;
}

const JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
  // NOTE: the runner catches agent errors itself; a job fails only when infrastructure did.
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
} as const;

/** Producer side of the queues: a job is a hint that an execution has work (the row decides). */
@Injectable()
export class ExecutionQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionQueue.name);
  private readonly queues: ReadonlyMap<QueueName, Queue<ExecutionJobData>>;
  /** Per queue, where the backend asks for it (PostgreSQL): concurrent enqueues in one add. */
  private readonly batched: ReadonlyMap<QueueName, GroupCommit<JobToAdd, void>> | null;

  constructor(
    @InjectQueue(QueueName.Default) defaultQueue: Queue<ExecutionJobData>,
    @InjectQueue(QueueName.Long) longQueue: Queue<ExecutionJobData>,
    @InjectQueue(QueueName.Priority) priorityQueue: Queue<ExecutionJobData>,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
  ) {
    this.queues = new Map([
      [QueueName.Default, defaultQueue],
      [QueueName.Long, longQueue],
      [QueueName.Priority, priorityQueue],
    ]);
    this.batched = backend.batchAdds ? new Map([...this.queues].map(([name, q]) => [name, batchedAdds(q)])) : null;
    // NOTE: with no listener, BullMQ prints a queue's connection errors (an idle one the server closed) to the console, whole.
    for (const [name, queue] of this.queues) queue.on('error', (error) => this.logger.warn(`Queue ${name}: ${error.message}`));
  }

  async enqueue(executionId: string, queue: QueueName, options: EnqueueOptions): Promise<void> {
    const job = {
      name: ExecutionJobName.Run,
      data: { executionId },
      opts: { ...JOB_OPTIONS, jobId: `${executionId}-${options.epoch}`, delay: options.delayMs, priority: options.priority ?? 1 },
    };
    if (this.batched) await this.batched.get(queue)!.submit(job);
    else await this.queue(queue).add(job.name, job.data, job.opts);
  }

  /**
   * Many at once (a trigger that woke thousands): one job per `batchSize(queue, count)` executions
   * of a queue, all of them in one round trip per queue. A batch job takes its executions' leases in one
   * statement; a batch of one is a plain run job. Job ids derive from the first execution and its
   * epoch, so enqueuing the same batches twice is a no-op.
   */
  async enqueueBatches(
    items: { executionId: string; queue: QueueName; epoch: number }[],
    batchSize: (queue: QueueName, count: number) => number,
  ): Promise<void> {
    const byQueue = new Map<QueueName, typeof items>();
    for (const item of items) {
      const list = byQueue.get(item.queue) ?? [];
      list.push(item);
      byQueue.set(item.queue, list);
    }
    await Promise.all(
      [...byQueue].map(([name, list]) => {
        const size = batchSize(name, list.length);
        const jobs = [];
        for (let i = 0; i < list.length; i += size) {
          const batch = list.slice(i, i + size);
          const [first] = batch;
          jobs.push(
            batch.length === 1
              ? {
                  name: ExecutionJobName.Run,
                  data: { executionId: first.executionId },
                  opts: { ...JOB_OPTIONS, jobId: `${first.executionId}-${first.epoch}`, priority: 1 },
                }
              : {
                  name: ExecutionJobName.RunBatch,
                  data: { kind: ExecutionJobName.RunBatch, executionIds: batch.map((b) => b.executionId) },
                  opts: { ...JOB_OPTIONS, jobId: `${first.executionId}-${first.epoch}-batch`, priority: 1 },
                },
          );
        }
        return this.queue(name).addBulk(jobs);
      }),
    );
  }

  /** Removes a job that has not run yet (a cancelled schedule). */
  async remove(executionId: string, queue: QueueName, epoch: number): Promise<void> {
    await this.queue(queue).remove(`${executionId}-${epoch}`);
  }

  /** A delayed job that ends a wait if the execution is still parked in it by then. */
  async expireWait(
    executionId: string,
    queue: QueueName,
    wait: { status: 'awaiting_input' | 'awaiting_event'; epoch: number; afterMs: number },
  ): Promise<void> {
    await this.queue(queue).add(
      ExecutionJobName.ExpireWait,
      { executionId, kind: ExecutionJobName.ExpireWait, status: wait.status, epoch: wait.epoch },
      { ...JOB_OPTIONS, jobId: `${executionId}-${wait.epoch}-expire`, delay: wait.afterMs },
    );
  }

  queue(name: QueueName): Queue<ExecutionJobData> {
    return this.queues.get(name)!;
  }

  /**
   * The queues are providers without hooks of their own: they close here, with the app, and then what the
   * backend holds for them, until the connections of its queues and workers (closed before, with the workers) are gone.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.backend.close();
  }
}
