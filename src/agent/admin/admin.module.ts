import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { QueueStatsService } from './queue-stats.service.js';

/** `/api/admin/agents`: the tenant-wide view for principals with the admin role. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, RealtimeModule, TenancyModule],
  providers: [QueueStatsService],
  exports: [QueueStatsService],
})
export class AdminModule {}
