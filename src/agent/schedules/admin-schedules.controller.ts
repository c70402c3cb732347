import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ApiErrors } from '../http/api-error.response.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { AdminListSchedulesQuery } from './dto/admin-list-schedules.query.js';
import { ScheduleIdParam } from './dto/schedule-id.param.js';
import { SchedulePageResponse, ScheduleResponse } from './dto/schedule.response.js';
import { toScheduleChanges, UpdateScheduleDto } from './dto/update-schedule.dto.js';
import type { ScheduleView } from './schedule.view.js';
import { ScheduleService } from './schedules.service.js';

/** `/api/admin/schedules`: every schedule of the admin's tenant, whoever created it. */
@ApiTags('admin')
@AgentController('api/admin/schedules', RouteAccess.Admin)
export class AdminSchedulesController {
  constructor(private readonly schedules: ScheduleService) {}

  @Get()
  @ApiOperation({ summary: 'Every schedule of the tenant, or one user’s (`user_id`), newest first' })
  @ApiOkResponse({ type: SchedulePageResponse })
  @ApiErrors(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AdminListSchedulesQuery,
  ): Promise<{ data: ScheduleView[]; next_cursor: string | null }> {
    const filter = { userId: query.user_id, agentType: query.agent_type, status: query.status, cursor: query.cursor, limit: query.limit };
    return this.schedules.list(principal, filter, true);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Any schedule of the tenant' })
  @ApiOkResponse({ type: ScheduleResponse })
  @ApiErrors(400, 404)
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.get(principal, id, true);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change any schedule of the tenant: its input, cron, time zone or start options' })
  @ApiOkResponse({
    type: ScheduleResponse,
    description: 'The schedule as changed; a new cron or zone moves an active one to its next tick after now',
  })
  @ApiErrors(400, 404, 413)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ScheduleIdParam,
    @Body() body: UpdateScheduleDto,
  ): Promise<ScheduleView> {
    return this.schedules.update(principal, id, toScheduleChanges(body), true);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause any schedule of the tenant: no tick until resumed' })
  @ApiOkResponse({ type: ScheduleResponse, description: 'Paused (`next_run_at` null)' })
  @ApiErrors(400, 404, 409)
  pause(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.pause(principal, id, true);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume any paused schedule of the tenant from the next tick after now' })
  @ApiOkResponse({ type: ScheduleResponse, description: 'Active, with its `next_run_at`' })
  @ApiErrors(400, 404, 409)
  resume(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.resume(principal, id, true);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete any schedule of the tenant; the executions it started are kept' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async delete(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<void> {
    await this.schedules.delete(principal, id, true);
  }
}
