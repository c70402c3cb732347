import { Module } from '@nestjs/common';
import { agentsDatabaseProvider, AGENTS_DATABASE } from './agents-database.provider.js';
import { ExecutionQueue } from './execution-queue.js';
import { QUEUE_BACKEND, queueBackendProvider } from './queue-backend.provider.js';
import { SIGNAL_NOTIFIER } from './signal-notifier.js';
import { signalNotifierProvider } from './signal-notifier.provider.js';

/** Owns every connection (database, queue backend); feature modules only use them. */
@Module({
  providers: [agentsDatabaseProvider, queueBackendProvider, signalNotifierProvider, ExecutionQueue],
  exports: [AGENTS_DATABASE, QUEUE_BACKEND, SIGNAL_NOTIFIER, ExecutionQueue],
})
export class InfrastructureModule {}
