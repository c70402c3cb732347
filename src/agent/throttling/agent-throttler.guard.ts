import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { AGENT_THROTTLER_STORAGE } from '../infrastructure/throttler-storage.provider.js';
import { AGENT_THROTTLER_OPTIONS } from './agent-throttler-options.js';
import { ThrottledCallers } from './throttled-caller.js';

// NOTE: the metadata keys `@Throttle()` writes (`@nestjs/throttler`'s constants, not exported by its index).
const ROUTE_LIMIT = 'THROTTLER:LIMIT';
const ROUTE_TTL = 'THROTTLER:TTL';

/**
 * `@nestjs/throttler`'s guard with the library's own options and storage (never the host's
 * `ThrottlerModule`): limits from the caller's tier, counted per user across every library route,
 * in storage every node shares. The throttler's decorators work as usual with the library's
 * throttler names (`AgentThrottler`): `@SkipThrottle({ 'agents-burst': true })`,
 * `@Throttle({ 'agents-sustained': { limit: 5, ttl: 60_000 } })`.
 *
 * Override points, as in the throttler's own guard: `getTracker`, `generateKey`, `shouldSkip`.
 * @example
 * \@Controller('reports')
 * \@UseGuards(PrincipalGuard, AgentThrottlerGuard)
 * export class ReportsController {}
 */
@Injectable()
export class AgentThrottlerGuard extends ThrottlerGuard {
  constructor(
    @Inject(AGENT_THROTTLER_OPTIONS) options: ThrottlerModuleOptions,
    @Inject(AGENT_THROTTLER_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly callers: ThrottledCallers,
  ) {
    super(options, storage, reflector);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.callers.identify(this.getRequestResponse(context).req);
    return super.canActivate(context);
  }

  /** Per user (tenant and user id), not per IP; per IP only where a route has no principal. */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return (await this.callers.identify(req)).tracker;
  }

  /**
   * One count per user and throttler across every library route, so a tier's rate is the user's
   * rate. A route with its own `@Throttle()` for a throttler counts on its own: its limit must not
   * block the user's other routes.
   */
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    const targets = [context.getHandler(), context.getClass()];
    const ownLimit =
      this.reflector.getAllAndOverride(ROUTE_LIMIT + name, targets) ?? this.reflector.getAllAndOverride(ROUTE_TTL + name, targets);
    return ownLimit === undefined ? `${name}:${tracker}` : `${name}:${context.getClass().name}.${context.getHandler().name}:${tracker}`;
  }

  /** The throttler names its header `Retry-After-<throttler>`; clients and proxies read the plain one too. */
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    this.setResponseHeader(this.getRequestResponse(context).res, 'Retry-After', Math.max(1, detail.timeToBlockExpire));
    return super.throwThrottlingException(context, detail);
  }
}
