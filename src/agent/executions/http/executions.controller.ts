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
import { ExecutionIdParam } from './dto/execution-id.param.js';
import { linkFilter, ListExecutionsQuery } from './dto/list-executions.query.js';
import { ListLogsQuery } from './dto/list-logs.query.js';
import { StartExecutionDto } from './dto/start-execution.dto.js';
import { ExecutionReader, type Page } from './execution-reader.js';
import { toExecutionView, toLogView, type ExecutionView, type LogView } from './execution.view.js';
import { controlResponse, type StatusSettable } from './control-response.js';

@AgentController('api/agents', RouteAccess.User)
export class ExecutionsController {
  constructor(
    private readonly manager: AgentManager,
    private readonly reader: ExecutionReader,
    private readonly tokens: RealtimeTokenService,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedExecutionOptions,
  ) {}

  @Post()
  @HttpCode(201)
  async start(@CurrentPrincipal() principal: Principal, @Body() body: StartExecutionDto): Promise<ExecutionView> {
    const execution = await this.manager.start(principal, body.agent_type, body.input, {
      queue: body.options?.queue,
      metadata: body.options?.metadata,
      idempotencyKey: body.options?.idempotency_key,
      estimatedSteps: body.options?.estimated_steps,
      hooks: body.options?.hooks,
      runAt: body.options?.run_at ? new Date(body.options.run_at) : undefined,
      awaitEvent: body.options?.await_event
        ? { eventType: body.options.await_event.event_type, timeoutSeconds: body.options.await_event.timeout_seconds }
        : undefined,
    });
    return toExecutionView(execution);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListExecutionsQuery): Promise<Page<ExecutionView>> {
    const page = await this.reader.list(ownScope(principal), {
      ...linkFilter(query),
      status: query.status,
      agentType: query.agent_type,
      cursor: query.cursor,
      limit: query.limit,
    });
    return { data: page.data.map((e) => toExecutionView(e)), next_cursor: page.next_cursor };
  }

  /** The caller's concurrent and hourly usage of its tier's limits. Declared before `:id`. */
  @Get('limits')
  limits(@CurrentPrincipal() principal: Principal): Promise<LimitsReport> {
    return this.manager.limits(principal);
  }

  /** A short-lived token for the Socket.IO handshake (`auth: { token }`). Declared before `:id`. */
  @Get('realtime-token')
  realtimeToken(@CurrentPrincipal() principal: Principal): RealtimeToken {
    return this.tokens.issue(principal);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param() { id }: ExecutionIdParam): Promise<ExecutionView> {
    const execution = await this.reader.get(ownScope(principal), id);
    return toExecutionView(execution, await this.reader.latestLogs(execution, this.options.api.executionLogs));
  }

  @Get(':id/logs')
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

  @Post(':id/pause')
  async pause(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.pause(principal, id, { requestedAt }));
  }

  @Post(':id/resume')
  async resume(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.resume(principal, id));
  }

  @Post(':id/cancel')
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: CancelExecutionDto,
    @RequestReceivedAt() requestedAt: number,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.cancel(principal, id, body.grace_ms, { requestedAt }));
  }

  @Post(':id/input')
  async input(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Body() body: SendInputDto,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.sendInput(principal, id, body.input));
  }

  /** Force kill. */
  @Delete(':id')
  async kill(
    @CurrentPrincipal() principal: Principal,
    @Param() { id }: ExecutionIdParam,
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ExecutionView> {
    return controlResponse(res, await this.manager.forceKill(principal, id));
  }
}
