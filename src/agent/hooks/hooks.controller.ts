import { Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ApiErrors } from '../http/api-error.response.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import { HookDeliveryListResponse } from './dto/hook-delivery.response.js';
import type { HookDeliveryView } from './hook-delivery.view.js';
import { HookLog } from './hook-log.service.js';

/** `GET /api/agents/:id/hooks`: the delivery log of an execution's outbound hooks. */
@ApiTags('executions')
@AgentController('api/agents', RouteAccess.User)
export class HooksController {
  constructor(private readonly log: HookLog) {}

  @Get(':id/hooks')
  @ApiOperation({ summary: 'The delivery log of the execution’s outbound hooks: each event’s call per target, with its attempts' })
  @ApiOkResponse({ type: HookDeliveryListResponse })
  @ApiErrors(400, 404)
  async list(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<{ data: HookDeliveryView[] }> {
    return { data: await this.log.of(ownScope(principal), id) };
  }
}
