import { Get, Param } from '@nestjs/common';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import type { HookDeliveryView } from './hook-delivery.view.js';
import { HookLog } from './hook-log.service.js';

/** `GET /api/agents/:id/hooks`: the delivery log of an execution's outbound hooks. */
@AgentController('api/agents', RouteAccess.User)
export class HooksController {
  constructor(private readonly log: HookLog) {}

  @Get(':id/hooks')
  async list(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<{ data: HookDeliveryView[] }> {
    return { data: await this.log.of(ownScope(principal), id) };
  }
}
