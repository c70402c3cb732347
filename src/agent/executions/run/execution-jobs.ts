import { Injectable } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import type { ExecutionJobData } from '../../infrastructure/queue-backend.js';
import { ExecutionJobName } from '../../infrastructure/queue-names.js';
import { ExecutionRunner } from './execution-runner.js';
import { RunOutcome } from './run-outcome.js';
import { WaitExpiry } from '../lifecycle/wait-expiry.js';
import { EagerSlots } from './eager-slots.js';

/** What a job of the library's queues does, whoever made the worker: the row decides (a job is a hint). */
@Injectable()
export class ExecutionJobs {
  constructor(
    private readonly runner: ExecutionRunner,
    private readonly waits: WaitExpiry,
    private readonly eager: EagerSlots,
  ) {}

  async handle(job: Job<ExecutionJobData>, token?: string): Promise<void> {
    this.eager.jobStarted(job.queueName);
    try {
      await this.handleJob(job, token);
    } finally {
      this.eager.jobEnded(job.queueName);
    }
  }

  private async handleJob(job: Job<ExecutionJobData>, token?: string): Promise<void> {
    const data = job.data;
    if (data.kind === ExecutionJobName.ExpireWait) {
      await this.waits.expire(data.executionId, data.status, data.epoch);
      return;
    }
    if (data.kind === ExecutionJobName.RunBatch) {
      await this.runner.runBatch(data.executionIds);
      return;
    }
    const result = await this.runner.run(data.executionId);
    if (result.outcome === RunOutcome.Held) {
      // NOTE: the same job comes back when the holder's lease would be stale (BullMQ's delayed-retry idiom).
      await job.moveToDelayed(Date.now() + result.retryInMs!, token);
      throw new DelayedError();
    }
  }

  /**
   * Before the workers close: in-flight runs checkpoint at their next step and hand the execution
   * back. Resolves once the eager runs (which no worker waits for) have.
   */
  drain(): Promise<void> {
    this.runner.drain();
    return this.eager.close();
  }
}
