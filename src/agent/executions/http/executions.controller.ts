import { Body, Delete, Get, HttpCode, Param, Post, Query, Res, Inject } from '@nestjs/common';
import { AGENT_OPTIONS } from '../../infrastructure/agent-options.token.js';
import type { ResolvedExecutionOptions } from '../executions.options.js';
import { AgentController, RouteAccess } from '../../http/agent-controller.decorator.js';
import { RequestReceivedAt } from '../../http/request-received.js';
import { CurrentPrincipal } from '../../tenancy/principal.guard.js';
import type { Principal } from '../../tenancy/principal.js';
import { ownScope } from '../../tenancy/scope.js';
import { RealtimeTokenService, type RealtimeToken } from '../../tenancy/realtime-token.service.js';
import { AgentManager } from '../lifecycle/agent-manager.js';
import type { LimitsReport } from '../../errors/rate-limited.error.js';
import { CancelExecutionDto } from './dto/cancel-execution.dto.js';
import { SendInputDto } from './dto/send-input.dto.js';
import { ApprovalParams } from './dto/approval-params.js';
import { DecideApprovalDto } from './dto/decide-approval.dto.js';
import { ForkExecutionDto } from './dto/fork-execution.dto.js';
import { ExecutionIdParam } from './dto/execution-id.param.js';
import { baseFilter, ListExecutionsQuery } from './dto/list-executions.query.js';
import { ListLogsQuery } from './dto/list-logs.query.js';
import { MAX_BATCH_STARTS, StartBatchDto, StartBatchResponse } from './dto/start-batch.dto.js';
import { StartExecutionDto, startOptionsOf } from './dto/start-execution.dto.js';
import { AgentHttpException } from '../../http/agent-http-exception.js';
import { TranscriptQuery } from './dto/transcript.query.js';
import { TranscriptResponse } from './dto/transcript.response.js';
import { ExecutionTranscript } from './execution-transcript.js';
import type { TranscriptView } from './transcript.view.js';
import { ExecutionReader, type Page } from './execution-reader.js';
import { toExecutionView, toLogView, type ExecutionView, type LogView } from './execution.view.js';
import { ApiControlResponses, controlResponse, type StatusSettable } from './control-response.js';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../http/api-error.response.js';
import {
  ExecutionPageResponse,
  ExecutionResponse,
  LimitsResponse,
  LogPageResponse,
  RealtimeTokenResponse,
} from './dto/execution.response.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import { toAgentTypeView, type AgentTypeView } from './agent-type.view.js';
import { AgentTypeListResponse } from './dto/agent-type.response.js';

@ApiTags('executions')
@AgentController('api/agents', RouteAccess.User)
export class ExecutionsController {
  constructor(
    private readonly manager: AgentManager,
    private readonly reader: ExecutionReader,
    private readonly tokens: RealtimeTokenService,
    private readonly registry: AgentRegistry,
    private readonly transcripts: ExecutionTranscript,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an execution' })
  @ApiCreatedResponse({ type: ExecutionResponse })
  @ApiErrors(400, 402, 409, 413)
  async start(@CurrentPrincipal() principal: Principal, @Body() body: StartExecutionDto): Promise<ExecutionView> {
    return toExecutionView(await this.manager.start(principal, body.agent_type, body.input, startOptionsOf(body)));
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start many executions at once',
    description: `Up to ${MAX_BATCH_STARTS} items, each as the body of \`POST /api/agents\`. An item that fails its checks answers for the whole request (its status, \`details.index\`) and nothing starts; the rest are admitted together, in order, and each result holds the execution or the refusal a lone start would have had (429 over the limits, 409 an idempotency key reused).`,
  })
  @ApiOkResponse({ type: StartBatchResponse })
  @ApiErrors(400, 402, 413)
  async startMany(@CurrentPrincipal() principal: Principal, @Body() body: StartBatchDto): Promise<StartBatchResponse> {
    const items = body.items.map((item) => ({ agentType: item.agent_type, input: item.input, options: startOptionsOf(item) }));
    const outcomes = await this.manager.startMany(principal, items);
    return {
      results: outcomes.map((outcome, index) =>
        outcome.execution
          ? { index, execution: toExecutionView(outcome.execution) }
          : { index, error: new AgentHttpException(outcome.error).getResponse() },
      ),
    };
  }

  @Get()
  @ApiOperation({ summary: "The caller's executions, newest first" })
  @ApiOkResponse({ type: ExecutionPageResponse })
  @ApiErrors(400)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListExecutionsQuery): Promise<Page<ExecutionView>> {
    const page = await this.reader.list(ownScope(principal), { ...baseFilter(query), status: query.status });
    return { data: page.data.map((e) => toExecutionView(e)), next_cursor: page.next_cursor };
  }

  /** The caller's concurrent and hourly usage of its tier's limits. Declared before `:id`. */
  @Get('limits')
  @ApiOperation({ summary: "The caller's concurrent and hourly usage of its tier's limits" })
  @ApiOkResponse({ type: LimitsResponse })
  limits(@CurrentPrincipal() principal: Principal): Promise<LimitsReport> {
    return this.manager.limits(principal);
  }

  /** The agent types a start may name, with the JSON Schema of their input and output. Declared before `:id`. */
  @Get('types')
  @ApiOperation({ summary: 'The agent types a start may name, with the JSON Schema of their input and output' })
  @ApiOkResponse({ type: AgentTypeListResponse })
  types(): { data: AgentTypeView[] } {
    return { data: this.registry.all().map(toAgentTypeView) };
  }

  /** A short-lived token for the Socket.IO handshake (`auth: { token }`). Declared before `:id`. */
  @Get('realtime-token')
  @ApiOperation({ summary: 'A short-lived token for Socket.IO and for an EventSource on the stream' })
  @ApiOkResponse({ type: RealtimeTokenResponse })
  realtimeToken(@CurrentPrincipal() principal: Principal): RealtimeToken {
    return this.tokens.issue(principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An execution with its latest logs' })
  @ApiOkResponse({ type: ExecutionResponse })
  @ApiErrors(400, 404)
  async get(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ExecutionView> {
    const execution = await this.reader.get(ownScope(principal), id);
    return toExecutionView(execution, await this.reader.latestLogs(execution, this.options.api.executionLogs));
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
    const page = await this.reader.logsOf(ownScope(principal), id, {
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
    return this.transcripts.page(ownScope(principal), id, { afterSeq: query.cursor, limit: query.limit });
  }

  @Post(':id/pause')
  @ApiOperation({ summary: 'Pause at the end of the step in flight' })
  @ApiControlResponses()
  async pause(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.pause(principal, id, { requestedAt }));
  }

  @Post(':id/resume')
  @ApiOperation({ summary: 'Resume a paused execution from its checkpoint' })
  @ApiControlResponses()
  async resume(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.resume(principal, id));
  }

  @Post(':id/cancel')
  @ApiOperation({ summary: 'Cancel gracefully (a running step ends first, within `grace_ms`)' })
  @ApiControlResponses()
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: CancelExecutionDto,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.cancel(principal, id, body.grace_ms, { requestedAt }));
  }

  /** Replay / fork from a committed step: a new execution of the caller's, linked to this one. */
  @Post(':id/fork')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Fork from a committed step: a new execution of the caller’s, starting from that step’s state, linked to this one',
  })
  @ApiCreatedResponse({ type: ExecutionResponse, description: 'The fork (`forked_from_execution_id`, `forked_from_step`)' })
  @ApiErrors(400, 402, 404, 413)
  async fork(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: ForkExecutionDto,
  ): Promise<ExecutionView> {
    return toExecutionView(await this.manager.fork(principal, id, { step: body.step, input: body.input, metadata: body.metadata }));
  }

  @Post(':id/input')
  @ApiOperation({ summary: 'Answer an execution awaiting input' })
  @ApiControlResponses()
  async input(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: SendInputDto,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.sendInput(principal, id, body.input));
  }

  /** Approve or deny a tool call the execution waits on: 202, it resumes once every pending call is decided. */
  @Post(':id/approvals/:approvalId')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve or deny a tool call the execution waits on; it resumes once every pending call is decided' })
  @ApiAcceptedResponse({ type: ExecutionResponse, description: 'Recorded: the execution, with the calls still undecided' })
  @ApiErrors(400, 404, 409)
  async decideApproval(
    @CurrentPrincipal() principal: Principal,
    @Param() { id, approvalId }: ApprovalParams,
    @Body() body: DecideApprovalDto,
  ): Promise<ExecutionView> {
    const result = await this.manager.decideToolApproval(principal, id, approvalId, { approved: body.approved, reason: body.reason });
    return toExecutionView(result.execution);
  }

  /** Force kill. */
  @Delete(':id')
  @ApiOperation({ summary: 'Force kill: cancelled at once, the step in flight aborted' })
  @ApiControlResponses()
  async kill(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.forceKill(principal, id));
  }
}
