import type { Provider } from '@nestjs/common';
import { AGENT_OPTIONS } from '../agent.constants.js';
import type { ResolvedAgentOptions } from '../agent.options.js';
import { AGENTS_DATABASE, type AgentsDatabase } from './agents-database.provider.js';
import { PostgresSignalNotifier } from './postgres-signal-notifier.js';
import { RedisSignalNotifier } from './redis-signal-notifier.js';
import { SIGNAL_NOTIFIER, type SignalNotifier } from './signal-notifier.js';

/** The transport switch for notifications, beside the one for queues. */
export const signalNotifierProvider: Provider = {
  provide: SIGNAL_NOTIFIER,
  inject: [AGENT_OPTIONS, AGENTS_DATABASE],
  useFactory: (options: ResolvedAgentOptions, database: AgentsDatabase): SignalNotifier =>
    options.transport === 'redis'
      ? new RedisSignalNotifier(options.redis!.url, options.queuePrefix)
      : new PostgresSignalNotifier(options.database.url, database.pool, options.queuePrefix),
};
