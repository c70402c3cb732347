import { Module } from '@nestjs/common';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { QueueBoard } from './queue-board.js';

/**
 * The admin dashboard (SPEC §16), when `dashboard.enabled`: a static page that works through the
 * admin API and the Socket.IO gateway, its sign-in check, and bull-board for queue internals. Its
 * controllers are mounted by `AgentModule` where the options say.
 */
@Module({
  imports: [InfrastructureModule, TenancyModule],
  providers: [QueueBoard],
  exports: [QueueBoard],
})
export class DashboardModule {}
