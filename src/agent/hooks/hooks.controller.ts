import { Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ExecutionIdParam } from '../executions/http/dto/execution-id.param.js';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ApiErrors } from '../http/api-error.response.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope, scopeFor } from '../tenancy/scope.js';
import { HookDeliveryParams } from './dto/hook-delivery.params.js';
import { HookDeliveryListResponse, HookDeliveryResponse } from './dto/hook-delivery.response.js';
import type { HookDeliveryView } from './hook-delivery.view.js';
import { HookLog } from './hook-log.service.js';
import { HookRedelivery } from './hook-redelivery.service.js';

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

/** `GET /api/admin/agents/:id/hooks` and redelivery: the hook log of any execution of the admin's tenant. */
@ApiTags('admin')
@AgentController('api/admin/agents', RouteAccess.Admin)
export class AdminHooksController {
  constructor(
    private readonly log: HookLog,
    private readonly redelivery: HookRedelivery,
  ) {}

  @Get(':id/hooks')
  @ApiOperation({ summary: 'The delivery log of the outbound hooks of any execution of the tenant, with each attempt' })
  @ApiOkResponse({ type: HookDeliveryListResponse })
  @ApiErrors(400, 404)
  async list(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<{ data: HookDeliveryView[] }> {
    return { data: await this.log.of(scopeFor(principal, true), id) };
  }

  /** A failed delivery made due now; 409 while it is pending or once delivered. */
  @Post(':id/hooks/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a failed hook delivery of the tenant again, now',
    description:
      'The delivery goes back to `pending`, due at once, with the same `webhook-id`; its attempts go on from where they stopped ' +
      '(a delivery that used all of `hooks.maxAttempts` gets this one attempt, and is `failed` again if it fails). ' +
      '409 with `details.current_status` when it is `pending` or `delivered`; of two redeliveries at once, one is 409.',
  })
  @ApiAcceptedResponse({ type: HookDeliveryResponse, description: 'The delivery, `pending` and due now, as the log shows it' })
  @ApiErrors(400, 404, 409)
  redeliver(@CurrentPrincipal() principal: Principal, @Param() { id, delivery_id }: HookDeliveryParams): Promise<HookDeliveryView> {
    return this.redelivery.redeliver(scopeFor(principal, true), id, delivery_id);
  }
}
