import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import type { ResolvedRealtimeTokenOptions } from './realtime-token.options.js';
import type { Principal } from './principal.js';

interface TokenClaims {
  t: string;
  u: string;
  tier: string;
  r: string[];
  exp: number;
}

export interface RealtimeToken {
  token: string;
  expires_at: string;
}

/**
 * Short-lived bearer tokens for the socket handshake (browsers cannot set headers on a
 * WebSocket): `base64url(claims).base64url(HMAC-SHA256(claims))`.
 */
@Injectable()
export class RealtimeTokenService {
  private readonly secret: Buffer;

  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedRealtimeTokenOptions) {
    if (options.realtime.tokenSecret) {
      this.secret = Buffer.from(options.realtime.tokenSecret);
    } else {
      this.secret = randomBytes(32);
      new Logger(RealtimeTokenService.name).warn(
        'realtime.tokenSecret is not set: realtime tokens only work on the API node that issued them',
      );
    }
  }

  issue(principal: Principal, now = Date.now()): RealtimeToken {
    const exp = Math.floor(now / 1000) + this.options.realtime.tokenTtlSeconds;
    const claims: TokenClaims = { t: principal.tenantId, u: principal.userId, tier: principal.tier, r: principal.roles, exp };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** The principal, or null for anything forged, malformed or expired. */
  verify(token: unknown, now = Date.now()): Principal | null {
    if (typeof token !== 'string' || token.length > 4096) return null;
    const [body, signature] = token.split('.');
    if (!body || !signature) return null;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as TokenClaims;
      if (claims.exp * 1000 < now) return null;
      return { tenantId: claims.t, userId: claims.u, tier: claims.tier, roles: claims.r };
    } catch {
      return null;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
