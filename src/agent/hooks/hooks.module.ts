import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { HookDeliveries } from './hook-deliveries.js';
import { HookLog } from './hook-log.service.js';

/** Outbound hooks: the outbox's deliveries, signed and retried, and their log. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule],
  providers: [HookDeliveries, HookLog],
  exports: [HookDeliveries, HookLog],
})
export class HooksModule {}
