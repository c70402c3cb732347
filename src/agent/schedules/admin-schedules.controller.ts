import { Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { AdminListSchedulesQuery } from './dto/admin-list-schedules.query.js';
import { ScheduleIdParam } from './dto/schedule-id.param.js';
import type { ScheduleView } from './schedule.view.js';
import { ScheduleService } from './schedules.service.js';

/** `/api/admin/schedules`: every schedule of the admin's tenant, whoever created it. */
@AgentController('api/admin/schedules', RouteAccess.Admin)
export class AdminSchedulesController {
  constructor(private readonly schedules: ScheduleService) {}

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AdminListSchedulesQuery,
  ): Promise<{ data: ScheduleView[]; next_cursor: string | null }> {
    const filter = { userId: query.user_id, agentType: query.agent_type, status: query.status, cursor: query.cursor, limit: query.limit };
    return this.schedules.list(principal, filter, true);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.get(principal, id, true);
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.pause(principal, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.resume(principal, id, true);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<void> {
    await this.schedules.delete(principal, id, true);
  }
}
