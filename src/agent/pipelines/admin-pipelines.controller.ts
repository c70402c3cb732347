import { Controller, Get, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { AgentExceptionFilter } from '../errors/agent-exception.filter.js';
import { agentValidationPipe } from '../executions/agent-validation.pipe.js';
import type { Page } from '../executions/execution-reader.js';
import { AdminGuard, CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { AdminListPipelinesQuery } from './dto/admin-list-pipelines.query.js';
import { PipelineReader } from './pipeline-reader.js';
import type { OwnedPipelineView } from './pipeline.view.js';
import { AgentThrottlerGuard } from '../throttling/agent-throttler.guard.js';

/** The admin's list of every pipeline of its tenant, whoever created it. */
@Controller('api/admin/pipelines')
@UseGuards(AdminGuard, AgentThrottlerGuard)
@UsePipes(agentValidationPipe)
@UseFilters(AgentExceptionFilter)
export class AdminPipelinesController {
  constructor(private readonly reader: PipelineReader) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query() query: AdminListPipelinesQuery): Promise<Page<OwnedPipelineView>> {
    // NOTE: the user filter is the scope's user: the same condition that keeps a user to their own.
    return this.reader.listWithOwners({ tenantId: principal.tenantId, userId: query.user_id ?? null }, { status: query.status, cursor: query.cursor, limit: query.limit });
  }
}
