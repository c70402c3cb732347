import { Delete, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import type { ResolvedRealtimeTokenOptions } from '../tenancy/realtime-token.options.js';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { isSecure } from '../http/raw-http.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import type { Principal } from '../tenancy/principal.js';
import { RealtimeTokenService } from '../tenancy/realtime-token.service.js';
import { sessionCookie } from './dashboard-cookie.js';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DashboardSessionResponse, type DashboardSessionView } from './dto/dashboard-session.response.js';

/**
 * The dashboard's sign-in check. The page sends the host app's bearer token here: 401 without a
 * principal, 403 for a non-admin (the page shows both). An admin gets its identity back and a
 * short-lived HttpOnly cookie for bull-board, the one part of the dashboard a browser opens by
 * navigation (which cannot carry a bearer header).
 */
@ApiTags('admin')
@AgentController('api/admin/dashboard', RouteAccess.Admin)
export class DashboardSessionController {
  constructor(
    private readonly tokens: RealtimeTokenService,
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedDashboardOptions & ResolvedRealtimeTokenOptions,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post('session')
  @HttpCode(200)
  @ApiOperation({ summary: "The dashboard's sign-in check; sets bull-board's session cookie" })
  @ApiOkResponse({ type: DashboardSessionResponse })
  open(@CurrentPrincipal() principal: Principal, @Req() req: unknown, @Res({ passthrough: true }) res: unknown): DashboardSessionView {
    const { token, expires_at } = this.tokens.issue(principal);
    const { path } = this.options.dashboard;
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(
      res,
      'Set-Cookie',
      sessionCookie(token, { path, maxAgeSeconds: this.options.realtime.tokenTtlSeconds, secure: isSecure(req) }),
    );
    adapter.setHeader(res, 'Cache-Control', 'no-store');
    return { tenant_id: principal.tenantId, user_id: principal.userId, roles: principal.roles, expires_at, queues_url: `${path}/queues` };
  }

  @Delete('session')
  @HttpCode(204)
  @ApiOperation({ summary: "Clears bull-board's session cookie" })
  @ApiNoContentResponse({ description: 'Signed out' })
  close(@Req() req: unknown, @Res({ passthrough: true }) res: unknown): void {
    this.adapterHost.httpAdapter.setHeader(
      res,
      'Set-Cookie',
      sessionCookie('', { path: this.options.dashboard.path, maxAgeSeconds: 0, secure: isSecure(req) }),
    );
  }
}
