import jwt from 'jsonwebtoken';
import type { Principal } from 'nestjs-agents';

/** Claims of a demo token (`npm run token`). */
interface DemoClaims {
  sub: string;
  tenant: string;
  tier: string;
  roles: string[];
}

export function signDemoToken(
  secret: string,
  p: { tenantId: string; userId: string; tier?: string; admin?: boolean },
  expiresInSeconds = 7 * 24 * 3600,
): string {
  const claims: DemoClaims = { sub: p.userId, tenant: p.tenantId, tier: p.tier ?? 'free', roles: p.admin ? ['admin'] : [] };
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: expiresInSeconds });
}

/** The demo app's `resolvePrincipal`: a Bearer JWT signed with `JWT_SECRET`. */
export function demoPrincipalResolver(secret: string) {
  return (request: unknown): Principal | null => {
    const header = (request as { headers?: Record<string, string | undefined> }).headers?.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (!token) return null;
    try {
      const claims = jwt.verify(token, secret, { algorithms: ['HS256'] }) as Partial<DemoClaims>;
      if (typeof claims.sub !== 'string' || typeof claims.tenant !== 'string') return null;
      return {
        tenantId: claims.tenant,
        userId: claims.sub,
        tier: claims.tier ?? 'free',
        roles: Array.isArray(claims.roles) ? claims.roles : [],
      };
    } catch {
      return null;
    }
  };
}
