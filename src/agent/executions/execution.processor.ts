import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job, type Worker } from 'bullmq';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { QUEUE_BACKEND } from '../infrastructure/queue-backend.provider.js';
import type { ExecutionJobData, QueueBackend } from '../infrastructure/queue-backend.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import { ExecutionRunner } from './execution-runner.js';
import { WaitExpiry } from './wait-expiry.js';

/**
 * One BullMQ worker per queue, thin: a job is handed to `ExecutionRunner`. Not started when
 * `workers.enabled` is false (an API-only process).
 */
@Injectable()
export class ExecutionProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionProcessor.name);
  private readonly workers: Worker<ExecutionJobData>[] = [];

  constructor(
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedAgentOptions,
    private readonly runner: ExecutionRunner,
    private readonly waits: WaitExpiry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.workers.enabled) return;
    for (const queue of ALL_QUEUES) {
      const concurrency = this.options.workers.concurrency[queue];
      const worker = this.backend.createWorker(queue, (job, token) => this.process(job, token), concurrency);
      worker.on('error', (error) => this.logger.error(`Worker ${queue}: ${error.message}`));
      worker.on('failed', (job, error) => this.logger.warn(`Job ${job?.id} on ${queue} failed: ${error.message}`, { execution_id: job?.data.executionId, queue }));
      void worker.run().catch((error: Error) => this.logger.error(`Worker ${queue} stopped: ${error.message}`));
      this.workers.push(worker);
    }
    this.logger.log(`Workers started: ${ALL_QUEUES.map((q) => `${q}×${this.options.workers.concurrency[q]}`).join(', ')}`);
  }

  private async process(job: Job<ExecutionJobData>, token?: string): Promise<void> {
    const data = job.data;
    if (data.kind === 'expire_wait') {
      await this.waits.expire(data.executionId, data.status, data.epoch);
      return;
    }
    const result = await this.runner.run(data.executionId);
    if (result.outcome === 'held') {
      // NOTE: the same job comes back when the holder's lease would be stale (BullMQ's delayed-retry idiom).
      await job.moveToDelayed(Date.now() + result.retryInMs!, token);
      throw new DelayedError();
    }
  }

  /** Runs before connections close: in-flight steps finish and checkpoint, then the workers stop. */
  async beforeApplicationShutdown(): Promise<void> {
    this.runner.drain();
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers.length = 0;
  }
}
