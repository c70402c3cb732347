import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { PrincipalGuard } from './principal.guard.js';
import { RealtimeTokenService } from './realtime-token.service.js';
import type { ResolvedTenancyOptions } from './tenancy.options.js';

/**
 * The Server-Sent Events routes: a browser's `EventSource` cannot set a header, so the caller may
 * be named by the short-lived realtime token in `?token=` instead of the app's own authentication.
 * A token that is given and forged or expired is refused (401): it never falls back to the app's auth.
 * NOTE: a query string can reach access logs; the token lives `realtime.tokenTtlSeconds` (300 s by default).
 */
@Injectable()
export class StreamPrincipalGuard extends PrincipalGuard {
  constructor(
    @Inject(AGENT_OPTIONS) options: ResolvedTenancyOptions,
    private readonly tokens: RealtimeTokenService,
  ) {
    super(options);
  }

  protected override resolve(request: object): unknown {
    const token = (request as { query?: Record<string, unknown> }).query?.token;
    return token === undefined ? super.resolve(request) : this.tokens.verify(token);
  }
}
