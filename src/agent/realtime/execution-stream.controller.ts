import { Get, Headers, Param, Req, Res } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ExecutionIdParam } from '../executions/dto/execution-id.param.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import { ExecutionStreamService } from './execution-stream.service.js';

/** `GET /api/agents/:id/stream`: the caller's own execution as Server-Sent Events. */
@AgentController('api/agents', RouteAccess.User)
export class ExecutionStreamController {
  constructor(private readonly streams: ExecutionStreamService) {}

  @Get(':id/stream')
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

/** A missing or malformed `Last-Event-ID` means "from the beginning". */
export const parseLastEventId = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};
