import { Module } from '@nestjs/common';
import { AGENT_DATA_SOURCE, agentDataSourceProvider, agentsDatabaseProvider, AGENTS_DATABASE } from './agents-database.provider.js';
import { ExecutionQueue } from './execution-queue.js';
import { EXECUTION_QUEUE_TOKENS, executionQueueProviders } from './execution-queues.provider.js';
import { QUEUE_BACKEND, queueBackendProvider } from './queue-backend.provider.js';
import { pubSubProvider } from './pubsub.provider.js';
import { PUBSUB } from './pubsub.js';
import { PubSubSignalNotifier, SIGNAL_NOTIFIER } from './signal-notifier.js';

/** Owns every connection (database, queue backend); feature modules only use them. */
@Module({
  providers: [
    agentsDatabaseProvider,
    agentDataSourceProvider,
    queueBackendProvider,
    pubSubProvider,
    { provide: SIGNAL_NOTIFIER, useClass: PubSubSignalNotifier },
    ...executionQueueProviders,
    ExecutionQueue,
  ],
  exports: [AGENTS_DATABASE, AGENT_DATA_SOURCE, QUEUE_BACKEND, PUBSUB, SIGNAL_NOTIFIER, ExecutionQueue, ...EXECUTION_QUEUE_TOKENS],
})
export class InfrastructureModule {}
