import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { HookDeliveries } from './hook-deliveries.js';
import { HookLog } from './hook-log.service.js';
import { HookRedelivery } from './hook-redelivery.service.js';

/** Outbound hooks: the outbox's deliveries, signed and retried, their log, and a failed one sent again. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  providers: [HookDeliveries, HookLog, HookRedelivery],
  exports: [HookDeliveries, HookLog, HookRedelivery],
})
export class HooksModule {}
