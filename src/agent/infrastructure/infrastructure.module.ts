import { Module } from '@nestjs/common';
import { agentsDatabaseProvider, AGENTS_DATABASE } from './agents-database.provider.js';
import { ExecutionQueue } from './execution-queue.js';
import { QUEUE_BACKEND, queueBackendProvider } from './queue-backend.provider.js';

/** Owns every connection (database, queue backend); feature modules only use them. */
@Module({
  providers: [agentsDatabaseProvider, queueBackendProvider, ExecutionQueue],
  exports: [AGENTS_DATABASE, QUEUE_BACKEND, ExecutionQueue],
})
export class InfrastructureModule {}
