import { Module } from '@nestjs/common';
import { agentsDatabaseProvider, AGENTS_DATABASE } from './agents-database.provider.js';
import { ExecutionQueue } from './execution-queue.js';
import { QUEUE_BACKEND, queueBackendProvider } from './queue-backend.provider.js';
import { pubSubProvider } from './pubsub.provider.js';
import { PUBSUB } from './pubsub.js';
import { PubSubSignalNotifier, SIGNAL_NOTIFIER } from './signal-notifier.js';

/** Owns every connection (database, queue backend); feature modules only use them. */
@Module({
  providers: [
    agentsDatabaseProvider,
    queueBackendProvider,
    pubSubProvider,
    { provide: SIGNAL_NOTIFIER, useClass: PubSubSignalNotifier },
    ExecutionQueue,
  ],
  exports: [AGENTS_DATABASE, QUEUE_BACKEND, PUBSUB, SIGNAL_NOTIFIER, ExecutionQueue],
})
export class InfrastructureModule {}
