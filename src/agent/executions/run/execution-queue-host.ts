import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { jobSubject, type ExecutionJobData } from '../../infrastructure/queue-backend.js';
import type { ExecutionJobs } from './execution-jobs.js';
import type { EagerSlots } from './eager-slots.js';
import type { QueueName } from '../../infrastructure/queue-names.js';

/**
 * A thin `WorkerHost` for one of the library's queues: `@nestjs/bullmq` makes its worker (not
 * started: `autorun: false`), and it starts once the whole app is up, so no job meets a module
 * that has not finished its `onModuleInit` (settlement handlers register there).
 */
export abstract class ExecutionQueueHost extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ExecutionProcessor');

  constructor(
    private readonly jobs: ExecutionJobs,
    private readonly eager: EagerSlots,
  ) {
    super();
  }

  process(job: Job<ExecutionJobData>, token?: string): Promise<void> {
    return this.jobs.handle(job, token);
  }

  onApplicationBootstrap(): void {
    const queue = this.worker.name;
    this.worker.on('error', (error) => this.logger.error(`Worker ${queue}: ${error.message}`));
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`Job ${job?.id} on ${queue} failed: ${error.message}`, { execution_id: jobSubject(job?.data), queue }),
    );
    void this.worker.run().catch((error: Error) => this.logger.error(`Worker ${queue} stopped: ${error.message}`));
    this.eager.lend(queue as QueueName, this.worker);
    this.logger.log(`Worker started: ${queue}×${this.worker.concurrency}`);
  }

  /** Before connections close (`@nestjs/bullmq` closes its workers later, at shutdown): in-flight steps checkpoint, then the worker stops. */
  async beforeApplicationShutdown(): Promise<void> {
    const eagerRuns = this.jobs.drain();
    await this.worker.close();
    await eagerRuns;
  }
}
