import { Body, HttpCode, Headers, InternalServerErrorException, Post, Req } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { agentValidationPipe } from '../http/agent-validation.pipe.js';
import { WebhookTriggerDto } from './dto/webhook-trigger.dto.js';
import type { TriggerResult } from '../executions/lifecycle/event-trigger.service.js';
import { WebhookService } from './webhook.service.js';

/**
 * `POST /webhooks/agent-trigger`: an external system wakes executions waiting for an event.
 * Needs the raw body (`NestFactory.create(AppModule, { rawBody: true })`) to check the signature.
 */
@AgentController('webhooks', RouteAccess.Signed)
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post('agent-trigger')
  @HttpCode(200)
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
