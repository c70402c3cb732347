import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { WebhookService } from './webhook.service.js';

/** Signed webhooks (`POST /webhooks/agent-trigger`) that wake executions through the kernel's event wake. */
@Module({
  imports: [ExecutionsModule],
  providers: [WebhookService],
  exports: [WebhookService],
})
export class WebhooksModule {}
