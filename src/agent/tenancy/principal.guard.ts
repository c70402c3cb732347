import { CanActivate, ExecutionContext, Inject, Injectable, createParamDecorator } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedTenancyOptions } from './tenancy.options.js';
import { ForbiddenError, UnauthenticatedError } from '../errors/agent.errors.js';
import { isAdmin, type Principal } from './principal.js';

const PRINCIPAL_KEY = Symbol('agentsPrincipal');

type RequestWithPrincipal = { [PRINCIPAL_KEY]?: Principal };

/** Resolves the caller through the host app's `resolvePrincipal` hook; no principal → 401. */
@Injectable()
export class PrincipalGuard implements CanActivate {
  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedTenancyOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const principal = await this.resolve(request);
    if (!isPrincipal(principal)) throw new UnauthenticatedError();
    request[PRINCIPAL_KEY] = principal;
    return this.allows(principal);
  }

  /** Override point: who calls (default: the host app's `resolvePrincipal`). */
  protected resolve(request: object): unknown {
    return this.options.resolvePrincipal(request);
  }

  /** Override point: what a resolved principal may do here. */
  protected allows(_principal: Principal): boolean {
    return true;
  }
}

/** Admin routes: a principal with the admin role, acting on its own tenant only. */
@Injectable()
export class AdminGuard extends PrincipalGuard {
  protected override allows(principal: Principal): boolean {
    if (!isAdmin(principal)) throw new ForbiddenError('Admin role required');
    return true;
  }
}

/** The principal a `PrincipalGuard` earlier in the chain resolved for this request, if any. */
export const resolvedPrincipalOf = (request: object): Principal | undefined => (request as RequestWithPrincipal)[PRINCIPAL_KEY];

export const isPrincipal = (p: unknown): p is Principal =>
  typeof p === 'object' &&
  p !== null &&
  typeof (p as Principal).tenantId === 'string' &&
  typeof (p as Principal).userId === 'string' &&
  Array.isArray((p as Principal).roles);

/** The principal `PrincipalGuard` resolved for this request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>()[PRINCIPAL_KEY];
  if (!principal) throw new UnauthenticatedError();
  return principal;
});
