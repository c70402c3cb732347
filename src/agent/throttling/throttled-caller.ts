import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedTenancyOptions } from '../tenancy/tenancy.options.js';
import { isPrincipal, resolvedPrincipalOf } from '../tenancy/principal.guard.js';
import { TierPolicies } from '../tenancy/tier-policies.js';
import type { TierRateLimits } from '../tenancy/tier-rate-limits.js';

/** Who a request counts against, and the rates of their tier. */
export interface ThrottledCaller {
  /** `user:<tenant>:<user>`, or `ip:<address>` on routes without a principal (webhooks). */
  tracker: string;
  tier: string;
  rateLimits: TierRateLimits;
}

const CALLER_KEY = Symbol('agentsThrottledCaller');

type RequestWithCaller = { [CALLER_KEY]?: ThrottledCaller; ip?: string; socket?: { remoteAddress?: string } };

/**
 * Identifies the caller once per request: the principal a `PrincipalGuard` resolved (or the host's
 * `resolvePrincipal`, on a host route that only uses the throttler guard), and the tier read at
 * each request so `TierPolicies.replace()` applies at once.
 */
@Injectable()
export class ThrottledCallers {
  constructor(
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedTenancyOptions,
    private readonly tiers: TierPolicies,
  ) {}

  async identify(request: object): Promise<ThrottledCaller> {
    const req = request as RequestWithCaller;
    if (req[CALLER_KEY]) return req[CALLER_KEY];
    const principal = resolvedPrincipalOf(request) ?? (await this.options.resolvePrincipal(request));
    const tier = this.tiers.for({ tier: isPrincipal(principal) ? principal.tier : this.options.defaultTier });
    const tracker = isPrincipal(principal)
      ? `user:${encodeURIComponent(principal.tenantId)}:${encodeURIComponent(principal.userId)}`
      : `ip:${normalizeIp(req.ip ?? req.socket?.remoteAddress ?? 'unknown')}`;
    req[CALLER_KEY] = { tracker, tier: tier.name, rateLimits: tier.rateLimits };
    return req[CALLER_KEY];
  }
}

/** The caller `ThrottledCallers.identify` found for this request (the guard identifies first). */
export function throttledCallerOf(context: ExecutionContext): ThrottledCaller {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>()[CALLER_KEY];
  if (!caller) throw new Error('The caller is identified by AgentThrottlerGuard before its limits are read');
  return caller;
}
