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
import { BulkCancelDto, BulkCancelResponse } from './dto/bulk-cancel.dto.js';
import type { BulkCancelLine } from '../lifecycle/bulk-cancel.js';
import { ExecutionReader, type Page } from './execution-reader.js';
import {
  toExecutionView,
  toLogView,
  toOwnedExecutionView,
  type ExecutionView,
  type LogView,
  type OwnedExecutionView,
} from './execution.view.js';
import { CurrentPrincipal } from '../../tenancy/principal.guard.js';
import type { Principal } from '../../tenancy/principal.js';
import { scopeFor } from '../../tenancy/scope.js';
import { baseFilter } from './dto/list-executions.query.js';
import { AdminListQuery } from './dto/admin-list.query.js';
import { TranscriptQuery } from './dto/transcript.query.js';
import { TranscriptResponse } from './dto/transcript.response.js';
import { ExecutionTranscript } from './execution-transcript.js';
import type { TranscriptView } from './transcript.view.js';
import { ExecutionTimeline } from './execution-timeline.js';
import type { ExecutionTimelineView } from './timeline.view.js';
import { ExecutionTimelineResponse } from './dto/timeline.response.js';
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
    private readonly timelines: ExecutionTimeline,
  ) {}

  @Get()
  @ApiOperation({
    summary: "Every execution of the admin's tenant, newest first",
    description: 'Filters combine: statuses (one or a comma-separated list), agent type, user, links, creation time, metadata, id prefix.',
  })
  @ApiOkResponse({ type: OwnedExecutionPageResponse })
  @ApiErrors(400)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AdminListQuery,
  ): Promise<Page<OwnedExecutionView & { log_count: number }>> {
    const scope = { tenantId: principal.tenantId, userId: null };
    const page = await this.reader.list(scope, {
      ...baseFilter(query),
      status: query.status,
      userId: query.user_id,
      createdFrom: query.from === undefined ? undefined : new Date(query.from),
      createdBefore: query.to === undefined ? undefined : new Date(query.to),
      idPrefix: query.id,
      retriedFromExecutionId: query.retried_from_execution_id,
    });
    const counts = await this.reader.logCounts(
      scope,
      page.data.map((e) => e.id),
    );
    return {
      data: page.data.map((e) => ({ ...toOwnedExecutionView(e), log_count: counts.get(e.id) ?? 0 })),
      next_cursor: page.next_cursor,
    };
  }

  /** A dashboard's selection: every cancel is tried, whatever the others did. */
  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel many executions of the tenant at once',
    description:
      'Each as `POST /api/admin/agents/:id/cancel` would; one line per id, in the order given. Ids outside the tenant are `not_found`.',
  })
  @ApiOkResponse({ type: BulkCancelResponse })
  @ApiErrors(400)
  async cancelMany(
    @CurrentPrincipal() p: Principal,
    @Body() body: BulkCancelDto,
    @RequestReceivedAt() requestedAt: number,
  ): Promise<{ results: BulkCancelLine[] }> {
    return { results: await this.manager.cancelMany(p, body.ids, body.grace_ms, { ...ADMIN, requestedAt }) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'An execution of the tenant with its latest logs' })
  @ApiOkResponse({ type: OwnedExecutionResponse })
  @ApiErrors(400, 404)
  async show(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<OwnedExecutionView> {
    const execution = await this.reader.get(scopeFor(principal, true), id);
    return toOwnedExecutionView(execution, await this.reader.latestLogs(execution, SHOW_LOGS));
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

  @Get(':id/timeline')
  @ApiOperation({
    summary: "An execution's waterfall: each attempt at a step with its timed model and tool calls, and the spans it waited in",
    description:
      'Built from its first 5,000 log rows (`truncated` when it has more). Steps logged before steps were timed have calls at offset 0 and no durations.',
  })
  @ApiOkResponse({ type: ExecutionTimelineResponse })
  @ApiErrors(400, 404)
  timeline(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ExecutionTimelineView> {
    return this.timelines.of(scopeFor(principal, true), id);
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

  /** A failed or cancelled execution started again as its owner's; 409 for other statuses, turns, stages and subagents. */
  @Post(':id/retry')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Start a failed or cancelled execution of the tenant again, as its owner',
    description:
      'A new execution of the same user, agent type (its current version), input, metadata, tier and queue, ' +
      'linked by `retried_from_execution_id`, admitted like a start of that user (429 over their limits, 402 over a budget). ' +
      '409 for any other status, and for a conversation turn, a pipeline stage or a subagent (start the conversation, pipeline or parent again).',
  })
  @ApiCreatedResponse({ type: OwnedExecutionResponse, description: 'The new execution' })
  @ApiErrors(400, 402, 404, 409, 413)
  async retry(@CurrentPrincipal() p: Principal, @Param() { id }: ExecutionIdParam): Promise<OwnedExecutionView> {
    return toOwnedExecutionView(await this.manager.retry(p, id, ADMIN));
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
