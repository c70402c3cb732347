import type { Provider } from '@nestjs/common';
import { AGENT_OPTIONS } from './agent-options.token.js';
import type { QueueBackendOptions } from './queue-backend.js';
import { AGENTS_DATABASE, type AgentsDatabase } from './agents-database.provider.js';
import { createQueueBackend } from './queue-backend.js';

export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

export const queueBackendProvider: Provider = {
  provide: QUEUE_BACKEND,
  inject: [AGENT_OPTIONS, AGENTS_DATABASE],
  useFactory: (options: QueueBackendOptions, database: AgentsDatabase) => createQueueBackend(options, database.connectionConfig),
};
