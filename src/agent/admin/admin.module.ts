import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { AdminExecutionsController } from './admin-executions.controller.js';

/** `/api/admin/agents`: the tenant-wide view for principals with the admin role. */
@Module({
  imports: [ExecutionsModule, RealtimeModule, TenancyModule],
  controllers: [AdminExecutionsController],
})
export class AdminModule {}
