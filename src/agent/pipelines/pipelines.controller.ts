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
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { PipelinePageResponse, PipelineResponse } from './dto/pipeline.response.js';

/** SPEC §10: the caller's own pipelines. */
@ApiTags('pipelines')
@AgentController('api/pipelines', RouteAccess.User)
export class PipelinesController {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly reader: PipelineReader,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a pipeline of agent stages' })
  @ApiCreatedResponse({ type: PipelineResponse })
  @ApiErrors(400, 402, 413)
  @UseGuards(PipelineSizeGuard)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePipelineDto): Promise<PipelineView> {
    return this.pipelines.create(principal, { stages: body.stages, input: body.input, metadata: body.metadata });
  }

  @Get()
  @ApiOperation({ summary: "The caller's pipelines, newest first" })
  @ApiOkResponse({ type: PipelinePageResponse })
  @ApiErrors(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListPipelinesQuery): Promise<Page<PipelineView>> {
    return this.reader.list(ownScope(principal), { status: query.status, cursor: query.cursor, limit: query.limit });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A pipeline with its stages and outputs' })
  @ApiOkResponse({ type: PipelineResponse })
  @ApiErrors(400, 404)
  get(@CurrentPrincipal() principal: Principal, @Param() { id }: PipelineIdParam): Promise<PipelineView> {
    return this.reader.get(ownScope(principal), id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pipeline and its running stages' })
  @ApiOkResponse({ type: PipelineResponse })
  @ApiErrors(400, 404, 409)
  cancel(@CurrentPrincipal() principal: Principal, @Param() { id }: PipelineIdParam): Promise<PipelineView> {
    return this.pipelines.cancel(principal, id);
  }
}
