import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { WebhookService } from './webhook.service.js';

/** Signed webhooks that trigger events (the trigger service itself is provided with the executions). */
@Module({
  imports: [ExecutionsModule],
  providers: [WebhookService],
  exports: [WebhookService],
})
export class SignalsModule {}
