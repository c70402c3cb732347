import { Body, Controller, HttpCode, Headers, InternalServerErrorException, Post, Req, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import type { Request } from 'express';
import { AgentExceptionFilter } from '../errors/agent-exception.filter.js';
import { agentValidationPipe } from '../executions/agent-validation.pipe.js';
import { WebhookTriggerDto } from './dto/webhook-trigger.dto.js';
import type { TriggerResult } from './event-trigger.service.js';
import { WebhookService } from './webhook.service.js';
import { AgentThrottlerGuard } from '../throttling/agent-throttler.guard.js';

/**
 * `POST /webhooks/agent-trigger`: an external system wakes executions waiting for an event.
 * Needs the raw body (`NestFactory.create(AppModule, { rawBody: true })`) to check the signature.
 */
@Controller('webhooks')
@UseGuards(AgentThrottlerGuard)
@UseFilters(AgentExceptionFilter)
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post('agent-trigger')
  @HttpCode(200)
  async trigger(
    @Req() req: Request & { rawBody?: Buffer },
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
