import { Get, Headers, Param, Req, Res } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope, scopeFor } from '../tenancy/scope.js';
import { parseLastEventId } from '../http/last-event-id.js';
import { ExecutionStreamService } from './execution-stream.service.js';
import { ApiExecutionStream } from './execution-stream.openapi.js';
import { ApiQuery, ApiTags } from '@nestjs/swagger';

/**
 * `GET /api/agents/:id/stream`: the caller's own execution as Server-Sent Events. The caller may be
 * named by `?token=` (a realtime token), so a browser's `EventSource` can open it.
 */
@ApiTags('executions')
@AgentController('api/agents', RouteAccess.Stream)
export class ExecutionStreamController {
  constructor(private readonly streams: ExecutionStreamService) {}

  @Get(':id/stream')
  @ApiExecutionStream()
  @ApiQuery({
    name: 'token',
    required: false,
    description: "A realtime token (`GET /api/agents/realtime-token`) instead of the app's own authentication, for a browser `EventSource`",
  })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: unknown,
    @Res() res: unknown,
  ): Promise<void> {
    await this.streams.stream(ownScope(principal), id, parseLastEventId(lastEventId), req, res);
  }
}

/** `GET /api/admin/agents/:id/stream`: any execution of the admin's tenant as Server-Sent Events. */
@ApiTags('admin')
@AgentController('api/admin/agents', RouteAccess.Admin)
export class AdminExecutionStreamController {
  constructor(private readonly streams: ExecutionStreamService) {}

  @Get(':id/stream')
  @ApiExecutionStream()
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: unknown,
    @Res() res: unknown,
  ): Promise<void> {
    await this.streams.stream(scopeFor(principal, true), id, parseLastEventId(lastEventId), req, res);
  }
}
