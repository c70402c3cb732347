import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ALL_QUEUES, type QueueName } from './queue-names.js';
import { QUEUE_BACKEND } from './queue-backend.provider.js';
import type { ExecutionJobData, QueueBackend } from './queue-backend.js';

export interface EnqueueOptions {
  /** Makes the job id unique per continuation, so a repeated enqueue of the same one is a no-op. */
  continuation: number;
  delayMs?: number;
}

/** Producer side of the queues: a job is a hint that an execution has work (the row decides). */
@Injectable()
export class ExecutionQueue implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue<ExecutionJobData>>();

  constructor(@Inject(QUEUE_BACKEND) private readonly backend: QueueBackend) {}

  async enqueue(executionId: string, queue: QueueName, options: EnqueueOptions): Promise<void> {
    await this.queue(queue).add(
      'run',
      { executionId },
      {
        jobId: `${executionId}-${options.continuation}`,
        delay: options.delayMs,
        removeOnComplete: true,
        removeOnFail: { count: 1000 },
        // NOTE: the runner catches agent errors itself; a job fails only when infrastructure did.
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
      },
    );
  }

  /** Lazily opened, so an API-only process that never enqueues on a queue holds no connection for it. */
  queue(name: QueueName): Queue<ExecutionJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.backend.createQueue(name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  names(): readonly QueueName[] {
    return ALL_QUEUES;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
