import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Worker } from 'bullmq';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedInfrastructureOptions } from '../../infrastructure/infrastructure.options.js';
import { QUEUE_BACKEND } from '../../infrastructure/queue-backend.provider.js';
import { jobSubject, type ExecutionJobData, type QueueBackend } from '../../infrastructure/queue-backend.js';
import { ALL_QUEUES } from '../../infrastructure/queue-names.js';
import { ExecutionJobs } from './execution-jobs.js';
import { EagerSlots } from './eager-slots.js';

/**
 * The workers of a backend `@nestjs/bullmq` cannot make without a process-wide side effect
 * (PostgreSQL): one per queue, made and started here, each job handed to `ExecutionJobs`. With
 * Redis the workers are `@Processor` classes instead (`execution-queue-processors.ts`). Not
 * started when `workers.enabled` is false (an API-only process).
 */
@Injectable()
export class BackendQueueWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ExecutionProcessor');
  private readonly workers: Worker<ExecutionJobData>[] = [];

  constructor(
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedInfrastructureOptions,
    private readonly jobs: ExecutionJobs,
    private readonly eager: EagerSlots,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.workers.enabled || this.backend.workers !== 'library') return;
    for (const queue of ALL_QUEUES) {
      const concurrency = this.options.workers.concurrency[queue];
      const worker = this.backend.createWorker(queue, (job, token) => this.jobs.handle(job, token), concurrency);
      worker.on('error', (error) => this.logger.error(`Worker ${queue}: ${error.message}`));
      worker.on('failed', (job, error) =>
        this.logger.warn(`Job ${job?.id} on ${queue} failed: ${error.message}`, { execution_id: jobSubject(job?.data), queue }),
      );
      void worker.run().catch((error: Error) => this.logger.error(`Worker ${queue} stopped: ${error.message}`));
      this.eager.lend(queue, worker);
      this.workers.push(worker);
    }
    this.logger.log(`Workers started: ${ALL_QUEUES.map((q) => `${q}×${this.options.workers.concurrency[q]}`).join(', ')}`);
  }

  /** Runs before connections close: in-flight steps finish and checkpoint, then the workers stop. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.workers.length === 0) return;
    const eagerRuns = this.jobs.drain();
    await Promise.all(this.workers.map((w) => w.close()));
    await eagerRuns;
    this.workers.length = 0;
  }
}
