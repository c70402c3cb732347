import { Module } from '@nestjs/common';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { DashboardEndpoints } from './dashboard-endpoints.js';
import { DashboardSessionController } from './dashboard-session.controller.js';
import { QueueBoard } from './queue-board.js';

/**
 * The admin dashboard (SPEC §16), when `dashboard.enabled`: a static page that works through the
 * admin API and the Socket.IO gateway, its sign-in check, and bull-board for queue internals.
 */
@Module({
  imports: [InfrastructureModule, TenancyModule],
  controllers: [DashboardSessionController],
})
export class DashboardModule {}
