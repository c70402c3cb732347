import { applyDecorators, CanActivate, Controller, Type, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { AdminGuard, PrincipalGuard } from '../tenancy/principal.guard.js';
import { StreamPrincipalGuard } from '../tenancy/stream-principal.guard.js';
import { AgentThrottlerGuard } from '../throttling/agent-throttler.guard.js';
import { AgentExceptionFilter } from './agent-exception.filter.js';
import { agentValidationPipe } from './agent-validation.pipe.js';
import { ApiErrors } from './api-error.response.js';
import { RequestReceivedGuard } from './request-received.js';
import { StorableInputGuard } from './storable-input.guard.js';

/** Who may call a library controller. */
export const RouteAccess = {
  /** Any principal `resolvePrincipal` accepts; each route scopes to its own data. */
  User: 'user',
  /** Principals with the admin role, on their own tenant. */
  Admin: 'admin',
  /** No principal: the route authenticates its caller itself (signed webhooks). */
  Signed: 'signed',
  /** Like `user`, or named by the realtime token in `?token=`: Server-Sent Events for a browser's `EventSource`. */
  Stream: 'stream',
  /** No principal and nothing to check: the API's own description (the OpenAPI document and its page). */
  Public: 'public',
} as const;
export type RouteAccess = (typeof RouteAccess)[keyof typeof RouteAccess];

/**
 * The guards in front of every route of each kind, in the order they run: the request's arrival
 * noted, who calls, the tier's request rate (per user; per IP where there is no principal), then
 * input that could not be stored.
 */
const GUARDS: Record<RouteAccess, Type<CanActivate>[]> = {
  user: [RequestReceivedGuard, PrincipalGuard, AgentThrottlerGuard, StorableInputGuard],
  admin: [RequestReceivedGuard, AdminGuard, AgentThrottlerGuard, StorableInputGuard],
  signed: [RequestReceivedGuard, AgentThrottlerGuard, StorableInputGuard],
  stream: [RequestReceivedGuard, StreamPrincipalGuard, AgentThrottlerGuard, StorableInputGuard],
  public: [RequestReceivedGuard, AgentThrottlerGuard],
};

/** The errors every route of each kind can give, from its guards: who calls, and the request rate. */
const GUARD_ERRORS: Record<RouteAccess, number[]> = {
  user: [401, 429],
  admin: [401, 403, 429],
  signed: [429],
  stream: [401, 429],
  public: [429],
};

/**
 * A library controller: its guards, the library's validation and its error answers (in the OpenAPI
 * document too). The path is the
 * canonical one; where it is mounted (prefix, route groups) is decided at boot from the options.
 * NOTE: signed routes validate their body only: their headers are checked by the signature.
 */
export function AgentController(path: string, access: RouteAccess): ClassDecorator {
  return applyDecorators(
    Controller(path),
    ...(GUARDS[access].length > 0 ? [UseGuards(...GUARDS[access])] : []),
    ...(access === RouteAccess.Signed ? [] : [UsePipes(agentValidationPipe)]),
    UseFilters(AgentExceptionFilter),
    ApiErrors(...GUARD_ERRORS[access]),
  );
}
