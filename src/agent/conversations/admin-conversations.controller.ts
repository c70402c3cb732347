import { Get, Param, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import type { Page } from '../executions/http/execution-reader.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ConversationReader } from './conversation-reader.js';
import type { AdminConversationDetailView, OwnedConversationView } from './conversation.view.js';
import { AdminListConversationsQuery } from './dto/admin-list-conversations.query.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { AdminConversationDetailResponse, OwnedConversationPageResponse } from './dto/conversation.response.js';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { toOwnedExecutionView } from '../executions/http/execution.view.js';

/** Turns an admin's conversation detail lists: the newest, oldest first. */
const DETAIL_TURNS = 200;

/** The admin's list of every conversation of its tenant (without histories), whoever holds it. */
@ApiTags('admin')
@AgentController('api/admin/conversations', RouteAccess.Admin)
export class AdminConversationsController {
  constructor(
    private readonly reader: ConversationReader,
    private readonly executions: ExecutionReader,
  ) {}

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

  @Get(':id')
  @ApiOperation({ summary: 'A conversation of the tenant with its history and its turns' })
  @ApiOkResponse({ type: AdminConversationDetailResponse })
  @ApiErrors(400, 404)
  async show(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<AdminConversationDetailView> {
    const scope = { tenantId: principal.tenantId, userId: null };
    const conversation = await this.reader.getWithOwner(scope, id);
    const { executions, truncated } = await this.executions.linked(scope, { conversationId: id }, DETAIL_TURNS);
    return {
      ...conversation,
      turns: executions.map((e) => toOwnedExecutionView(e)),
      turns_truncated: truncated,
    };
  }
}
