import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { ApiErrors } from '../http/api-error.response.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { CreateScheduleDto } from './dto/create-schedule.dto.js';
import { ListSchedulesQuery } from './dto/list-schedules.query.js';
import { ScheduleIdParam } from './dto/schedule-id.param.js';
import { SchedulePageResponse, ScheduleResponse } from './dto/schedule.response.js';
import { toScheduleChanges, UpdateScheduleDto } from './dto/update-schedule.dto.js';
import type { ScheduleView } from './schedule.view.js';
import { ScheduleService } from './schedules.service.js';

/** `/api/schedules`: the caller's own recurring starts; another user's schedule answers 404. */
@ApiTags('schedules')
@AgentController('api/schedules', RouteAccess.User)
export class SchedulesController {
  constructor(private readonly schedules: ScheduleService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a recurring start of an agent type: one execution per cron tick, started as the caller' })
  @ApiCreatedResponse({ type: ScheduleResponse })
  @ApiErrors(400, 413)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateScheduleDto): Promise<ScheduleView> {
    return this.schedules.create(principal, {
      ...toScheduleChanges(body),
      agentType: body.agent_type,
      input: body.input,
      cron: body.cron,
      paused: body.paused,
    });
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s schedules, newest first' })
  @ApiOkResponse({ type: SchedulePageResponse })
  @ApiErrors(400)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListSchedulesQuery,
  ): Promise<{ data: ScheduleView[]; next_cursor: string | null }> {
    return this.schedules.list(principal, { agentType: query.agent_type, status: query.status, cursor: query.cursor, limit: query.limit });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of the caller’s schedules' })
  @ApiOkResponse({ type: ScheduleResponse })
  @ApiErrors(400, 404)
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change what the next ticks start, or when: input, cron, time zone, start options' })
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
    return this.schedules.update(principal, id, toScheduleChanges(body));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a schedule: no tick until resumed; an execution it already started runs on' })
  @ApiOkResponse({ type: ScheduleResponse, description: 'Paused (`next_run_at` null)' })
  @ApiErrors(400, 404, 409)
  pause(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.pause(principal, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused schedule from the next tick after now: ticks that fell while paused are not made up' })
  @ApiOkResponse({ type: ScheduleResponse, description: 'Active, with its `next_run_at`' })
  @ApiErrors(400, 404, 409)
  resume(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<ScheduleView> {
    return this.schedules.resume(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a schedule; the executions it started are kept' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async delete(@CurrentPrincipal() principal: Principal, @Param() { id }: ScheduleIdParam): Promise<void> {
    await this.schedules.delete(principal, id);
  }
}
