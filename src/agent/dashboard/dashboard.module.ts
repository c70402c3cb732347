import { Module } from '@nestjs/common';
import { BillingModule } from '../billing/billing.module.js';
import { InfrastructureModule } from '../infrastructure/infrastructure.module.js';
import { ObservabilityModule } from '../observability/observability.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { QueueBoard } from './queue-board.js';
import { DashboardStatsService } from './stats/dashboard-stats.service.js';
import { QueueWorkers } from './stats/queue-workers.js';
import { StatsRollupJob } from './stats/stats-rollup.job.js';

/**
 * The admin dashboard (SPEC §16), when `dashboard.enabled`: a static page that works through the
 * admin API and the Socket.IO gateway, its sign-in check, its charts' statistics (read from a
 * rollup its job keeps), and bull-board for queue internals. Its controllers are mounted by
 * `AgentModule` where the options say.
 */
@Module({
  imports: [InfrastructureModule, TenancyModule, ObservabilityModule, BillingModule],
  providers: [QueueBoard, DashboardStatsService, QueueWorkers, StatsRollupJob],
  exports: [QueueBoard, DashboardStatsService, StatsRollupJob],
})
export class DashboardModule {}
