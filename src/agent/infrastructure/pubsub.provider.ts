import type { Provider } from '@nestjs/common';
import { AGENT_OPTIONS } from './agent-options.token.js';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from './agents-database.provider.js';
import { PostgresPubSub } from './postgres-pubsub.js';
import { PUBSUB, type PubSub } from './pubsub.js';
import { RedisPubSub } from './redis-pubsub.js';

/** The transport switch for cross-process messages, beside the one for queues. */
export const pubSubProvider: Provider = {
  provide: PUBSUB,
  inject: [AGENT_OPTIONS, AGENTS_DATABASE],
  useFactory: (options: ResolvedInfrastructureOptions, database: AgentsDatabase): PubSub =>
    options.transport === 'redis' ? new RedisPubSub(options.redis!) : new PostgresPubSub(database.connectionConfig, database.pool),
};
