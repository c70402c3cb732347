import { Body, HttpCode, Param, Post, Get, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { pipeUIMessageStreamToResponse } from 'ai';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ApiErrors } from '../http/api-error.response.js';
import { takeRawResponse } from '../http/raw-http.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import { OpenStreams } from '../realtime/open-streams.js';
import type { ChatCancelView } from './chat-cancel.view.js';
import { ApiChatResume, ApiChatSend } from './chat.openapi.js';
import { ChatService } from './chat.service.js';
import { ChatCancelResponse } from './dto/chat-cancel.response.js';
import { ChatRequestDto } from './dto/chat-request.dto.js';
import { TurnStreamService } from './turn-stream.service.js';

/** SSE comments while a turn is quiet (a long tool call, a parked step), so proxies keep the stream open. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The AI SDK's chat protocol on a conversation (SPEC §17), for `useChat` with `DefaultChatTransport`:
 * `api: /api/conversations/:id/chat`; its resume (`resume: true`) calls `:id/chat/stream`. A dropped
 * connection never stops the turn; `:id/chat/cancel` does.
 */
@ApiTags('conversations')
@AgentController('api/conversations', RouteAccess.User)
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly turns: TurnStreamService,
    private readonly open: OpenStreams,
  ) {}

  /** Starts the next turn with the last message (or answers its tool approvals) and streams it. */
  @Post(':id/chat')
  @ApiChatSend()
  async send(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: ChatRequestDto,
    @Req() _req: unknown,
    @Res() res: unknown,
  ): Promise<void> {
    const turn = await this.chat.send(principal, id, body.messages);
    await this.stream(principal, turn.executionId, turn.afterSeq, res);
  }

  /** The turn in flight from its beginning (a replay: `useChat` rebuilds the message from it); 204 when none. */
  @Get(':id/chat/stream')
  @ApiChatResume()
  async resume(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam, @Res() res: unknown): Promise<void> {
    const executionId = await this.chat.activeTurn(principal, id);
    if (!executionId) {
      const raw = takeRawResponse(res);
      raw.writeHead(204).end();
      return;
    }
    await this.stream(principal, executionId, undefined, res);
  }

  /** Cancels the turn in flight (call it beside `useChat`'s `stop()`): 202 `{ execution_id }`, or `{ execution_id: null }` when none runs. */
  @Post(':id/chat/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel the turn in flight (beside `useChat`’s `stop()`): it stops at the end of its step' })
  @ApiAcceptedResponse({ type: ChatCancelResponse })
  @ApiErrors(400, 404)
  async cancel(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ChatCancelView> {
    return { execution_id: await this.chat.cancel(principal, id) };
  }

  private async stream(principal: Principal, executionId: string, afterSeq: number | undefined, res: unknown): Promise<void> {
    const response = takeRawResponse(res);
    const gone = new AbortController();
    const stopTracking = this.open.add(() => gone.abort());
    response.once('close', () => (gone.abort(), stopTracking()));
    const stream = this.turns.open(ownScope(principal), executionId, { afterSeq, signal: gone.signal });
    await pipeUIMessageStreamToResponse({ response, stream, keepAliveMs: KEEP_ALIVE_MS, headers: { 'x-accel-buffering': 'no' } });
  }
}
