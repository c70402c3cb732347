import { Body, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import type { Page } from '../executions/http/execution-reader.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import { CreatePipelineDto } from './dto/create-pipeline.dto.js';
import { ListPipelinesQuery } from './dto/list-pipelines.query.js';
import { PipelineIdParam } from './dto/pipeline-id.param.js';
import { PipelineReader } from './pipeline-reader.js';
import { PipelineSizeGuard } from './pipeline-size.guard.js';
import { PipelinesService } from './pipelines.service.js';
import type { PipelineView } from './pipeline.view.js';

/** SPEC §10: the caller's own pipelines. */
@AgentController('api/pipelines', RouteAccess.User)
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly reader: PipelineReader,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(PipelineSizeGuard)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePipelineDto): Promise<PipelineView> {
    return this.pipelines.create(principal, { stages: body.stages, input: body.input, metadata: body.metadata });
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListPipelinesQuery): Promise<Page<PipelineView>> {
    return this.reader.list(ownScope(principal), { status: query.status, cursor: query.cursor, limit: query.limit });
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: PipelineIdParam): Promise<PipelineView> {
    return this.reader.get(ownScope(principal), id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@CurrentPrincipal() principal: Principal, @Param() { id }: PipelineIdParam): Promise<PipelineView> {
    return this.pipelines.cancel(principal, id);
  }
}
