import { Controller, Get, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { AgentExceptionFilter } from '../errors/agent-exception.filter.js';
import { agentValidationPipe } from '../executions/agent-validation.pipe.js';
import type { Page } from '../executions/execution-reader.js';
import { AdminGuard, CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ConversationReader } from './conversation-reader.js';
import type { OwnedConversationView } from './conversation.view.js';
import { AdminListConversationsQuery } from './dto/admin-list-conversations.query.js';
import { AgentThrottlerGuard } from '../throttling/agent-throttler.guard.js';

/** The admin's list of every conversation of its tenant (without histories), whoever holds it. */
@Controller('api/admin/conversations')
@UseGuards(AdminGuard, AgentThrottlerGuard)
@UsePipes(agentValidationPipe)
@UseFilters(AgentExceptionFilter)
export class AdminConversationsController {
  constructor(private readonly reader: ConversationReader) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: AdminListConversationsQuery): Promise<Page<OwnedConversationView>> {
    // NOTE: the user filter is the scope's user: the same condition that keeps a user to their own.
    return this.reader.listWithOwners({ tenantId: principal.tenantId, userId: query.user_id ?? null }, { cursor: query.cursor, limit: query.limit });
  }
}
