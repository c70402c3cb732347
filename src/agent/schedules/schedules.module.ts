import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { ScheduleTicks } from './schedule-ticks.js';
import { ScheduleService } from './schedules.service.js';

/** Recurring cron schedules: each tick, claimed in PostgreSQL by one node, starts one execution. */
@Module({
  imports: [InfrastructureModule, ExecutionsModule, TenancyModule],
  providers: [ScheduleService, ScheduleTicks],
  exports: [ScheduleService, ScheduleTicks],
})
export class SchedulesModule {}
