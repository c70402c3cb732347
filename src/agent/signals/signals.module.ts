import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { WebhookController } from './webhook.controller.js';
import { WebhookService } from './webhook.service.js';

/** Signed webhooks that trigger events (the trigger service itself is provided with the executions). */
@Module({
  imports: [ExecutionsModule],
  controllers: [WebhookController],
  providers: [WebhookService],
})
export class SignalsModule {}
