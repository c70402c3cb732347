import { Body, HttpCode, Headers, InternalServerErrorException, Post, Req } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { agentValidationPipe } from '../http/agent-validation.pipe.js';
import { WebhookTriggerDto } from './dto/webhook-trigger.dto.js';
import type { TriggerResult } from '../executions/lifecycle/event-trigger.service.js';
import { WebhookService } from './webhook.service.js';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { TriggerResponse } from './dto/trigger.response.js';

/**
 * `POST /webhooks/agent-trigger`: an external system wakes executions waiting for an event.
 * Needs the raw body (`NestFactory.create(AppModule, { rawBody: true })`) to check the signature.
 */
@ApiTags('webhooks')
@AgentController('webhooks', RouteAccess.Signed)
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post('agent-trigger')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Wake the executions awaiting an event',
    description:
      "Signed: `x-agents-signature` is `sha256=` HMAC-SHA256 of `<timestamp>.<raw body>` with the tenant's secret; timestamps older than 5 minutes and repeated delivery ids are refused or ignored.",
  })
  @ApiHeader({ name: 'x-agents-tenant', required: true })
  @ApiHeader({ name: 'x-agents-timestamp', required: true, description: 'Unix seconds' })
  @ApiHeader({ name: 'x-agents-delivery', required: true, description: 'Unique per delivery: a repeat is answered as the first was' })
  @ApiHeader({ name: 'x-agents-signature', required: true })
  @ApiOkResponse({ type: TriggerResponse })
  @ApiErrors(400, 401)
  async trigger(
    @Req() req: { rawBody?: Buffer },
    @Headers('x-agents-tenant') tenant: string | undefined,
    @Headers('x-agents-timestamp') timestamp: string | undefined,
    @Headers('x-agents-delivery') delivery: string | undefined,
    @Headers('x-agents-signature') signature: string | undefined,
    @Body(agentValidationPipe) body: WebhookTriggerDto,
  ): Promise<TriggerResult> {
    if (!req.rawBody) throw new InternalServerErrorException('Webhooks need the raw request body: create the app with { rawBody: true }');
    const { tenantId, deliveryId } = await this.webhooks.authenticate({ tenant, timestamp, delivery, signature }, req.rawBody);
    return this.webhooks.deliver(tenantId, deliveryId, body);
  }
}
