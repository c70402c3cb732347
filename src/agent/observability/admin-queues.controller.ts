import { Get } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { QueueStatsService, type QueueStats } from './queue-stats.service.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueueStatsListResponse } from './dto/queue-stats.response.js';

/** `GET /api/admin/agents/queues`: the queues beside what is running on each (mounted before the executions' `:id` routes). */
@ApiTags('admin')
@AgentController('api/admin/agents', RouteAccess.Admin)
export class AdminQueuesController {
  constructor(private readonly queueStats: QueueStatsService) {}

  @Get('queues')
  @ApiOperation({ summary: 'Each queue: waiting, active, delayed, failed jobs, and running executions' })
  @ApiOkResponse({ type: QueueStatsListResponse })
  async queues(@CurrentPrincipal() principal: Principal): Promise<{ data: QueueStats[] }> {
    return { data: await this.queueStats.stats(principal.tenantId) };
  }
}
