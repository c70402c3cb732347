import { Get, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import type { Page } from '../executions/http/execution-reader.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ConversationReader } from './conversation-reader.js';
import type { OwnedConversationView } from './conversation.view.js';
import { AdminListConversationsQuery } from './dto/admin-list-conversations.query.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { OwnedConversationPageResponse } from './dto/conversation.response.js';

/** The admin's list of every conversation of its tenant (without histories), whoever holds it. */
@ApiTags('admin')
@AgentController('api/admin/conversations', RouteAccess.Admin)
export class AdminConversationsController {
  constructor(private readonly reader: ConversationReader) {}

  @Get()
  @ApiOperation({ summary: "Every conversation of the admin's tenant" })
  @ApiOkResponse({ type: OwnedConversationPageResponse })
  @ApiErrors(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: AdminListConversationsQuery): Promise<Page<OwnedConversationView>> {
    // NOTE: the user filter is the scope's user: the same condition that keeps a user to their own.
    return this.reader.listWithOwners(
      { tenantId: principal.tenantId, userId: query.user_id ?? null },
      { cursor: query.cursor, limit: query.limit },
    );
  }
}
