import { Inject } from '@nestjs/common';
import { getQueueToken, InjectQueue } from '@nestjs/bullmq';
import { AGENT_OPTIONS } from './infrastructure/agent-options.token.js';
import { AGENT_DATA_SOURCE } from './infrastructure/agents-database.provider.js';
import type { QueueName } from './infrastructure/queue-names.js';

/**
 * Tokens of what `AgentModule` provides, each with its inject decorator (`getXToken()` for
 * `moduleRef.get()` and test overrides, `@InjectX()` for constructors).
 */

/** The options after defaults and validation (`ResolvedAgentOptions`). */
export const getAgentOptionsToken = (): symbol => AGENT_OPTIONS;
/** @example constructor(@InjectAgentOptions() options: ResolvedAgentOptions) {} */
export const InjectAgentOptions = (): ParameterDecorator => Inject(AGENT_OPTIONS);

/** The TypeORM `DataSource` the library uses: its own, or the host's it was handed (`database.dataSource` / `connectionName`). */
export const getAgentDataSourceToken = (): symbol => AGENT_DATA_SOURCE;
export const InjectAgentDataSource = (): ParameterDecorator => Inject(AGENT_DATA_SOURCE);

/** One of the library's BullMQ queues: `@nestjs/bullmq`'s own token, so `@InjectQueue(QueueName.Default)` works as well. */
export const getAgentQueueToken = (name: QueueName): string => getQueueToken(name);
export const InjectAgentQueue = (name: QueueName): ParameterDecorator => InjectQueue(name);
