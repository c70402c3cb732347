import { Get, Param, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import type { Page } from '../executions/http/execution-reader.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { AdminListPipelinesQuery } from './dto/admin-list-pipelines.query.js';
import { PipelineReader } from './pipeline-reader.js';
import type { OwnedPipelineView } from './pipeline.view.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { AdminPipelineDetailResponse, OwnedPipelinePageResponse } from './dto/pipeline.response.js';
import { PipelineIdParam } from './dto/pipeline-id.param.js';
import { ExecutionReader } from '../executions/http/execution-reader.js';
import { toOwnedExecutionView, type OwnedExecutionView } from '../executions/http/execution.view.js';

/** Executions an admin's pipeline detail lists at most (a pipeline's stages are far fewer). */
const DETAIL_EXECUTIONS = 1_000;

/** The admin's list of every pipeline of its tenant, whoever created it. */
@ApiTags('admin')
@AgentController('api/admin/pipelines', RouteAccess.Admin)
export class AdminPipelinesController {
  constructor(
    private readonly reader: PipelineReader,
    private readonly executions: ExecutionReader,
  ) {}

  @Get()
  @ApiOperation({ summary: "Every pipeline of the admin's tenant" })
  @ApiOkResponse({ type: OwnedPipelinePageResponse })
  @ApiErrors(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: AdminListPipelinesQuery): Promise<Page<OwnedPipelineView>> {
    // NOTE: the user filter is the scope's user: the same condition that keeps a user to their own.
    return this.reader.listWithOwners(
      { tenantId: principal.tenantId, userId: query.user_id ?? null },
      { status: query.status, cursor: query.cursor, limit: query.limit },
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'A pipeline of the tenant with its stages and every execution of them' })
  @ApiOkResponse({ type: AdminPipelineDetailResponse })
  @ApiErrors(400, 404)
  async show(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: PipelineIdParam,
  ): Promise<OwnedPipelineView & { executions: OwnedExecutionView[] }> {
    const scope = { tenantId: principal.tenantId, userId: null };
    const pipeline = await this.reader.getWithOwner(scope, id);
    const { executions } = await this.executions.linked(scope, { pipelineId: id }, DETAIL_EXECUTIONS);
    return { ...pipeline, executions: executions.map((e) => toOwnedExecutionView(e)) };
  }
}
