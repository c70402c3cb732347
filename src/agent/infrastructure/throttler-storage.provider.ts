import type { Provider } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AGENT_OPTIONS } from './agent-options.token.js';
import type { ResolvedInfrastructureOptions } from './infrastructure.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from './agents-database.provider.js';
import { FailOpenThrottlerStorage } from './fail-open-throttler-storage.js';
import { PostgresThrottlerStorage } from './postgres-throttler-storage.js';
import { RedisThrottlerStorage } from './redis-throttler-storage.js';

/**
 * Where the library's throttler counts (a `ThrottlerStorage`): its own token, so a host's
 * `ThrottlerModule` storage stays the host's. Override it to count elsewhere.
 */
export const AGENT_THROTTLER_STORAGE = Symbol('AGENT_THROTTLER_STORAGE');

/** The transport switch for the throttler's counters, beside the ones for queues and messages. */
export const throttlerStorageProvider: Provider = {
  provide: AGENT_THROTTLER_STORAGE,
  inject: [AGENT_OPTIONS, AGENTS_DATABASE],
  useFactory: (options: ResolvedInfrastructureOptions, database: AgentsDatabase): ThrottlerStorage =>
    new FailOpenThrottlerStorage(
      options.transport === 'redis'
        ? new RedisThrottlerStorage(options.redis!, options.queuePrefix)
        : new PostgresThrottlerStorage(database.pool),
    ),
};
