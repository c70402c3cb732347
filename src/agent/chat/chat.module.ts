import { Module, type Provider } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { ExecutionsModule } from '../executions/executions.module.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import type { ResolvedInfrastructureOptions } from '../infrastructure/infrastructure.options.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import type { ResolvedChatOptions } from './chat.options.js';
import { ChatService } from './chat.service.js';
import { PostgresTurnTokenBuffer } from './postgres-turn-token-buffer.js';
import { RedisTurnTokenBuffer } from './redis-turn-token-buffer.js';
import { TURN_TOKEN_BUFFER, type TurnTokenBuffer } from './turn-token-buffer.js';
import { TurnStreamService } from './turn-stream.service.js';
import { TurnTokenRecorder } from './turn-token-recorder.js';

/** The token buffer follows the transport, as every shared structure does. */
const tokenBufferProvider: Provider = {
  provide: TURN_TOKEN_BUFFER,
  inject: [AGENT_OPTIONS, AGENTS_DATABASE],
  useFactory: (options: ResolvedInfrastructureOptions & ResolvedChatOptions, database: AgentsDatabase): TurnTokenBuffer =>
    options.transport === 'redis'
      ? new RedisTurnTokenBuffer(options.redis!, options.queuePrefix, options.chat.tokenRetentionSeconds)
      : new PostgresTurnTokenBuffer(database.pool, options.chat.tokenRetentionSeconds),
};

/** SPEC §17: the AI SDK UI message stream of conversations (the route is mounted by `AgentModule`). */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, ConversationsModule, RealtimeModule],
  providers: [tokenBufferProvider, TurnTokenRecorder, TurnStreamService, ChatService],
  exports: [TurnStreamService, ChatService, TurnTokenRecorder],
})
export class ChatModule {}
