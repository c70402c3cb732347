import { Body, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { ListSchedulesQuery } from './dto/list-schedules.query.js';
import { ScheduleIdParam } from './dto/schedule-id.param.js';
import type { ScheduleView } from './schedule.view.js';
import { ScheduleService } from './schedules.service.js';

/** `/api/schedules`: the caller's own recurring starts; another user's schedule answers 404. */
@AgentController('api/schedules', RouteAccess.User)
export class SchedulesController {
  constructor(private readonly schedules: ScheduleService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateScheduleDto): Promise<ScheduleView> {
    return this.schedules.create(principal, {
      agentType: body.agent_type,
      input: body.input,
      cron: body.cron,
      timeZone: body.time_zone,
      paused: body.paused,
      queue: body.options?.queue,
      metadata: body.options?.metadata,
      hooks: body.options?.hooks,
    });
  }

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSchedulesQuery,
  ): Promise<{ data: ScheduleView[]; next_cursor: string | null }> {
    return this.schedules.list(principal, { agentType: query.agent_type, status: query.status, cursor: query.cursor, limit: query.limit });
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.get(principal, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  pause(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.pause(principal, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  resume(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.resume(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<void> {
    await this.schedules.delete(principal, id);
  }
}
