import type { Provider } from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedInfrastructureOptions } from '../../infrastructure/infrastructure.options.js';
import { QUEUE_BACKEND } from '../../infrastructure/queue-backend.provider.js';
import type { QueueBackend } from '../../infrastructure/queue-backend.js';
import { ALL_QUEUES, type QueueName } from '../../infrastructure/queue-names.js';
import { ExecutionJobs } from './execution-jobs.js';
import { ExecutionQueueHost } from './execution-queue-host.js';
import { EagerSlots } from './eager-slots.js';

/**
 * The `@Processor` class of one queue, decorated when the options are known: its concurrency and
 * lock timing come from them, and two apps in one process (tests, a CLI beside an app) each get
 * a class of their own instead of sharing one static decoration.
 */
function processorClass(queue: QueueName, workerOptions: ReturnType<QueueBackend['workerOptions']>) {
  @Processor(queue, workerOptions)
  class ExecutionQueueProcessor extends ExecutionQueueHost {}
  return ExecutionQueueProcessor;
}

/**
 * One provider per queue. It holds a `@Processor` instance (found and given its worker by
 * `@nestjs/bullmq`'s explorer) when this process runs workers and the backend's workers go
 * through `BullModule`; otherwise nothing, and the explorer finds nothing to make.
 */
export const executionQueueProcessors: Provider[] = ALL_QUEUES.map((queue) => ({
  provide: `nestjs-agents:processor:${queue}`,
  inject: [AGENT_OPTIONS, QUEUE_BACKEND, ExecutionJobs, EagerSlots],
  useFactory: (
    options: ResolvedInfrastructureOptions,
    backend: QueueBackend,
    jobs: ExecutionJobs,
    eager: EagerSlots,
  ): ExecutionQueueHost | null => {
    if (!options.workers.enabled || backend.workers !== 'bull-module') return null;
    const Host = processorClass(queue, backend.workerOptions(options.workers.concurrency[queue]));
    return new Host(jobs, eager);
  },
}));
