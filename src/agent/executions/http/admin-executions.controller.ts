import { Body, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { AgentController, RouteAccess } from '../../http/agent-controller.decorator.js';
import { RequestReceivedAt } from '../../http/request-received.js';
import { AgentManager } from '../lifecycle/agent-manager.js';
import { CancelExecutionDto } from './dto/cancel-execution.dto.js';
import { ExecutionIdParam } from './dto/execution-id.param.js';
import { ListLogsQuery } from './dto/list-logs.query.js';
import { SendInputDto } from './dto/send-input.dto.js';
import { ApprovalParams } from './dto/approval-params.js';
import { DecideApprovalDto } from './dto/decide-approval.dto.js';
import { ForkExecutionDto } from './dto/fork-execution.dto.js';
import { ExecutionReader, type Page } from './execution-reader.js';
import { toExecutionView, toLogView, type ExecutionView, type LogView } from './execution.view.js';
import { CurrentPrincipal } from '../../tenancy/principal.guard.js';
import type { Principal } from '../../tenancy/principal.js';
import { scopeFor } from '../../tenancy/scope.js';
import { linkFilter } from './dto/list-executions.query.js';
import { AdminListQuery } from './dto/admin-list.query.js';
import { TranscriptQuery } from './dto/transcript.query.js';
import { TranscriptResponse } from './dto/transcript.response.js';
import { ExecutionTranscript } from './execution-transcript.js';
import type { TranscriptView } from './transcript.view.js';
import { ApiControlResponses, controlResponse, type StatusSettable } from './control-response.js';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../http/api-error.response.js';
import { ExecutionResponse, LogPageResponse, OwnedExecutionPageResponse, OwnedExecutionResponse } from './dto/execution.response.js';

const ADMIN = { asAdmin: true };
const SHOW_LOGS = 500;

/** The admin log viewer: every execution of the admin's tenant, its logs, and every lifecycle action (its stream and the queues are served beside it, by realtime/ and observability/). */
@ApiTags('admin')
@AgentController('api/admin/agents', RouteAccess.Admin)
export class AdminExecutionsController {
  constructor(
    private readonly reader: ExecutionReader,
    private readonly manager: AgentManager,
    private readonly transcripts: ExecutionTranscript,
  ) {}

  @Get()
  @ApiOperation({ summary: "Every execution of the admin's tenant, newest first" })
  @ApiOkResponse({ type: OwnedExecutionPageResponse })
  @ApiErrors(400)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AdminListQuery,
  ): Promise<Page<ExecutionView & { user_id: string; log_count: number }>> {
    const scope = { tenantId: principal.tenantId, userId: null };
    const page = await this.reader.list(scope, {
      ...linkFilter(query),
      status: query.status,
      agentType: query.agent_type,
      userId: query.user_id,
      cursor: query.cursor,
      limit: query.limit,
    });
    const counts = await this.reader.logCounts(
      scope,
      page.data.map((e) => e.id),
    );
    return {
      data: page.data.map((e) => ({ ...toExecutionView(e), user_id: e.userId, log_count: counts.get(e.id) ?? 0 })),
      next_cursor: page.next_cursor,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'An execution of the tenant with its latest logs' })
  @ApiOkResponse({ type: OwnedExecutionResponse })
  @ApiErrors(400, 404)
  async show(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ExecutionView & { user_id: string }> {
    const execution = await this.reader.get(scopeFor(principal, true), id);
    return { ...toExecutionView(execution, await this.reader.latestLogs(execution, SHOW_LOGS)), user_id: execution.userId };
  }

  @Get(':id/logs')
  @ApiOperation({ summary: "An execution's logs, oldest first, by `after_id` cursor" })
  @ApiOkResponse({ type: LogPageResponse })
  @ApiErrors(400, 404)
  async logs(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Query() query: ListLogsQuery,
  ): Promise<Page<LogView>> {
    const page = await this.reader.logsOf(scopeFor(principal, true), id, {
      level: query.level,
      eventType: query.event_type,
      afterId: query.after_id,
      limit: query.limit,
    });
    return { data: page.data.map(toLogView), next_cursor: page.next_cursor };
  }

  @Get(':id/transcript')
  @ApiOperation({ summary: "An execution's messages with their tool calls and results, oldest first, in pages" })
  @ApiOkResponse({ type: TranscriptResponse })
  @ApiErrors(400, 404)
  transcript(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Query() query: TranscriptQuery,
  ): Promise<TranscriptView> {
    return this.transcripts.page(scopeFor(principal, true), id, { afterSeq: query.cursor, limit: query.limit });
  }

  @Post(':id/pause')
  @ApiOperation({ summary: 'Pause at the end of the step in flight' })
  @ApiControlResponses()
  async pause(
    @CurrentPrincipal() p: Principal,
    @Param() { id }: ExecutionIdParam,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.pause(p, id, { ...ADMIN, requestedAt }));
  }

  @Post(':id/resume')
  @ApiOperation({ summary: 'Resume from the checkpoint' })
  @ApiControlResponses()
  async resume(
    @CurrentPrincipal() p: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.resume(p, id, ADMIN));
  }

  @Post(':id/cancel')
  @ApiOperation({ summary: 'Cancel gracefully' })
  @ApiControlResponses()
  async cancel(
    @CurrentPrincipal() p: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: CancelExecutionDto,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.cancel(p, id, body.grace_ms, { ...ADMIN, requestedAt }));
  }

  /** Any execution of the tenant; the fork is the admin's own execution. */
  @Post(':id/fork')
  @HttpCode(201)
  @ApiOperation({ summary: 'Fork any execution of the tenant from a committed step: the fork is the admin’s own execution' })
  @ApiCreatedResponse({ type: ExecutionResponse, description: 'The fork (`forked_from_execution_id`, `forked_from_step`)' })
  @ApiErrors(400, 402, 404, 413)
  async fork(@CurrentPrincipal() p: Principal, @Param() { id }: ExecutionIdParam, @Body() body: ForkExecutionDto): Promise<ExecutionView> {
    return toExecutionView(
      await this.manager.fork(p, id, { step: body.step, input: body.input, metadata: body.metadata }, { asAdmin: true }),
    );
  }

  @Post(':id/input')
  @ApiOperation({ summary: 'Answer an execution awaiting input' })
  @ApiControlResponses()
  async input(
    @CurrentPrincipal() p: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: SendInputDto,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.sendInput(p, id, body.input, ADMIN));
  }

  /** Approve or deny a tool call the execution waits on: 202, it resumes once every pending call is decided. */
  @Post(':id/approvals/:approvalId')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve or deny a tool call an execution of the tenant waits on' })
  @ApiAcceptedResponse({ type: ExecutionResponse, description: 'Recorded: the execution, with the calls still undecided' })
  @ApiErrors(400, 404, 409)
  async decideApproval(
    @CurrentPrincipal() p: Principal,
    @Param() { id, approvalId }: ApprovalParams,
    @Body() body: DecideApprovalDto,
  ): Promise<ExecutionView> {
    const result = await this.manager.decideToolApproval(p, id, approvalId, { approved: body.approved, reason: body.reason }, ADMIN);
    return toExecutionView(result.execution);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Force kill' })
  @ApiControlResponses()
  async kill(
    @CurrentPrincipal() p: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.forceKill(p, id, ADMIN));
  }
}
