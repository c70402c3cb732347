import type { Provider } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { ALL_QUEUES } from './queue-names.js';
import { QUEUE_BACKEND } from './queue-backend.provider.js';
import type { QueueBackend } from './queue-backend.js';

/**
 * The library's queues under `@nestjs/bullmq`'s tokens, so a host writes
 * `@InjectQueue(QueueName.Default)`, on either transport. Made by the queue backend rather than
 * `BullModule.registerQueue()`: that one builds BullMQ's Redis class, and the transport is only
 * known once the options are (see ARCHITECTURE.md).
 */
export const executionQueueProviders: Provider[] = ALL_QUEUES.map((name) => ({
  provide: getQueueToken(name),
  inject: [QUEUE_BACKEND],
  useFactory: (backend: QueueBackend) => backend.createQueue(name),
}));

export const EXECUTION_QUEUE_TOKENS = ALL_QUEUES.map((name) => getQueueToken(name));
