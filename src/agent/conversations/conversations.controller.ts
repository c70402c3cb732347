import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import type { Page } from '../executions/http/execution-reader.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ConversationReader } from './conversation-reader.js';
import type { ConversationView, TurnStartedView } from './conversation.view.js';
import { ConversationsService, type StartedTurn } from './conversations.service.js';
import { ListConversationsQuery } from './dto/list-conversations.query.js';
import { SendMessageDto } from './dto/send-message.dto.js';
import { StartConversationDto } from './dto/start-conversation.dto.js';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { ConversationPageResponse, ConversationResponse, TurnStartedResponse } from './dto/conversation.response.js';

const turnStarted = (turn: StartedTurn): TurnStartedView => ({ conversation: turn.conversation, execution_id: turn.executionId });

/** SPEC §9. Every route acts on the caller's own conversations. */
@ApiTags('conversations')
@AgentController('api/conversations', RouteAccess.User)
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly reader: ConversationReader,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a conversation with its first turn' })
  @ApiCreatedResponse({ type: TurnStartedResponse })
  @ApiErrors(400, 402)
  async start(@CurrentPrincipal() principal: Principal, @Body() body: StartConversationDto): Promise<TurnStartedView> {
    return turnStarted(await this.conversations.start(principal, { agentType: body.agent_type, message: body.message, title: body.title }));
  }

  @Get()
  @ApiOperation({ summary: "The caller's conversations, most recently active first" })
  @ApiOkResponse({ type: ConversationPageResponse })
  @ApiErrors(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQuery): Promise<Page<ConversationView>> {
    return this.reader.list(principal, { cursor: query.cursor, limit: query.limit });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A conversation with its messages' })
  @ApiOkResponse({ type: ConversationResponse })
  @ApiErrors(400, 404)
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ConversationView> {
    return this.reader.get(principal, id);
  }

  @Post(':id/messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a turn' })
  @ApiCreatedResponse({ type: TurnStartedResponse })
  @ApiErrors(400, 402, 404, 409)
  async send(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: SendMessageDto,
  ): Promise<TurnStartedView> {
    return turnStarted(await this.conversations.send(principal, id, body.message));
  }

  /** Deletes it with its turns; a running turn is force-killed. */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a conversation and its turns' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async delete(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<void> {
    await this.conversations.delete(principal, id);
  }
}
