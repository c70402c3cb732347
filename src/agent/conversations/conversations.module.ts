import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { AdminConversationsController } from './admin-conversations.controller.js';
import { ConversationReader } from './conversation-reader.js';
import { ConversationSettlement } from './conversation-settlement.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsService } from './conversations.service.js';

/** SPEC §9. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  controllers: [ConversationsController, AdminConversationsController],
  providers: [ConversationsService, ConversationReader, ConversationSettlement],
  exports: [ConversationsService, ConversationReader],
})
export class ConversationsModule {}
