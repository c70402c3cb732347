import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
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
  private readonly queues: ReadonlyMap<QueueName, Queue<ExecutionJobData>>;

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
  }

  async enqueue(executionId: string, queue: QueueName, options: EnqueueOptions): Promise<void> {
    await this.queue(queue).add(
      ExecutionJobName.Run,
      { executionId },
      {
        ...JOB_OPTIONS,
        jobId: `${executionId}-${options.epoch}`,
        delay: options.delayMs,
        priority: options.priority ?? 1,
      },
    );
  }

  /** Many at once (a trigger that woke thousands): one round trip per queue. */
  async enqueueMany(items: { executionId: string; queue: QueueName; epoch: number }[]): Promise<void> {
    const byQueue = new Map<QueueName, typeof items>();
    for (const item of items) {
      const list = byQueue.get(item.queue) ?? [];
      list.push(item);
      byQueue.set(item.queue, list);
    }
    await Promise.all(
      [...byQueue].map(([name, jobs]) =>
        this.queue(name).addBulk(
          jobs.map((j) => ({
            name: ExecutionJobName.Run,
            data: { executionId: j.executionId },
            opts: { ...JOB_OPTIONS, jobId: `${j.executionId}-${j.epoch}`, priority: 1 },
          })),
        ),
      ),
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

  /** The queues are providers without hooks of their own: they close here, with the app, then what the backend holds for them. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.backend.close();
  }
}
