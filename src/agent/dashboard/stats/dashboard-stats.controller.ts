import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentController, RouteAccess } from '../../http/agent-controller.decorator.js';
import { ApiErrors } from '../../http/api-error.response.js';
import { CurrentPrincipal } from '../../tenancy/principal.guard.js';
import type { Principal } from '../../tenancy/principal.js';
import { DashboardStatsService } from './dashboard-stats.service.js';
import { OverviewResponse } from './dto/overview.response.js';
import { QueuesResponse } from './dto/queues.response.js';
import { StatsWindowQuery } from './dto/stats-window.query.js';
import { DashboardUsageResponse } from './dto/usage.response.js';
import type { OverviewView, QueuesView, UsageView } from './stats-views.js';

/**
 * The dashboard's charts, for the admin's tenant: read from the statistics rollup (the newest
 * bucket lags by at most `dashboard.stats.rollupIntervalMs`) and from what runs and waits now.
 */
@ApiTags('admin')
@AgentController('api/admin/dashboard', RouteAccess.Admin)
export class DashboardStatsController {
  constructor(private readonly stats: DashboardStatsService) {}

  @Get('overview')
  @ApiOperation({ summary: "The tenant's runs, steps, queue waits and cost over a window, what runs and waits now, and alerts" })
  @ApiOkResponse({ type: OverviewResponse })
  @ApiErrors(400)
  overview(@CurrentPrincipal() principal: Principal, @Query() query: StatsWindowQuery): Promise<OverviewView> {
    return this.stats.overview(principal.tenantId, query.window ?? 'hour');
  }

  @Get('queues')
  @ApiOperation({ summary: "Each queue's depth now, the tenant's leases, ends and queue waits on it over a window, and its workers" })
  @ApiOkResponse({ type: QueuesResponse })
  @ApiErrors(400)
  queues(@CurrentPrincipal() principal: Principal, @Query() query: StatsWindowQuery): Promise<QueuesView> {
    return this.stats.queues(principal.tenantId, query.window ?? 'hour');
  }

  @Get('usage')
  @ApiOperation({ summary: "The tenant's tokens and cost over a window, by model and by user, and its budgets this month" })
  @ApiOkResponse({ type: DashboardUsageResponse })
  @ApiErrors(400)
  usage(@CurrentPrincipal() principal: Principal, @Query() query: StatsWindowQuery): Promise<UsageView> {
    return this.stats.usage(principal.tenantId, query.window ?? 'hour');
  }
}
