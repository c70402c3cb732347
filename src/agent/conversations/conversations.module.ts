import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { ConversationReader } from './conversation-reader.js';
import { ConversationSettlement } from './conversation-settlement.js';
import { ConversationTurns } from './conversation-turns.js';
import { ConversationsService } from './conversations.service.js';

/** SPEC §9. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  providers: [ConversationsService, ConversationTurns, ConversationReader, ConversationSettlement],
  exports: [ConversationsService, ConversationReader],
})
export class ConversationsModule {}
