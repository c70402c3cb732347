import { Body, Get, HttpCode, Put, Query } from '@nestjs/common';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { InvalidRequestError } from '../errors/rate-limited.error.js';
import { CurrentPrincipal } from '../tenancy/principal.guard.js';
import { isAdmin, type Principal } from '../tenancy/principal.js';
import { ownScope } from '../tenancy/scope.js';
import type { BudgetState } from './budget-exceeded.error.js';
import { BudgetService, nextPeriod, periodOf, TENANT_SCOPE } from './budget.service.js';
import { SetBudgetDto } from './dto/set-budget.dto.js';
import { UsageQuery } from './dto/usage.query.js';
import { UsageService, type UsageSummary } from './usage.service.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-error.response.js';
import { BudgetReportResponse, BudgetSetResponse, UsageSummaryResponse } from './dto/usage.response.js';

const MAX_PERIOD_DAYS = 366;

@ApiTags('usage')
@AgentController('api/usage', RouteAccess.User)
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly budgets: BudgetService,
  ) {}

  /** The caller's usage by model; an admin's covers the tenant and adds `by_user`. */
  @Get()
  @ApiOperation({ summary: "The caller's usage by model over a period (an admin's: the tenant's, by user too)" })
  @ApiOkResponse({ type: UsageSummaryResponse })
  @ApiErrors(400)
  summary(@CurrentPrincipal() principal: Principal, @Query() query: UsageQuery): Promise<UsageSummary> {
    const { from, to } = periodFrom(query);
    const scope = isAdmin(principal) ? { tenantId: principal.tenantId, userId: null } : ownScope(principal);
    return this.usage.summary(scope, from, to);
  }

  /** The caller's and its tenant's budgets this month, with what is spent and held. */
  @Get('budget')
  @ApiOperation({ summary: "The caller's and its tenant's budgets this month" })
  @ApiOkResponse({ type: BudgetReportResponse })
  async budget(@CurrentPrincipal() principal: Principal): Promise<{ budgets: BudgetState[] }> {
    return { budgets: await this.budgets.report(principal) };
  }
}

@ApiTags('admin')
@AgentController('api/admin/budgets', RouteAccess.Admin)
export class BudgetsAdminController {
  constructor(private readonly budgets: BudgetService) {}

  /** Sets (or with both limits null, removes) a user's or the tenant's monthly budget; running executions see it at their next job. */
  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: "Set (or remove) a user's or the tenant's monthly budget" })
  @ApiOkResponse({ type: BudgetSetResponse })
  @ApiErrors(400)
  async set(
    @CurrentPrincipal() principal: Principal,
    @Body() body: SetBudgetDto,
  ): Promise<{ user_id: string | null; monthly_tokens: number | null; monthly_usd: number | null }> {
    const budget = { tokens: body.monthly_tokens ?? null, usd: body.monthly_usd ?? null };
    await this.budgets.set(principal.tenantId, body.user_id ?? TENANT_SCOPE, budget);
    return { user_id: body.user_id ?? null, monthly_tokens: budget.tokens, monthly_usd: budget.usd };
  }
}

function periodFrom(query: UsageQuery): { from: Date; to: Date } {
  const month = periodOf(new Date());
  const from = new Date(query.from ?? `${month}T00:00:00Z`);
  const to = new Date(query.to ?? `${nextPeriod(month)}T00:00:00Z`);
  if (!(from < to)) throw new InvalidRequestError('`from` must be before `to`');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000)
    throw new InvalidRequestError(`A period spans at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}
