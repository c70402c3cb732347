/** Who is calling: resolved by the host app for every HTTP request and socket. */
export interface Principal {
  tenantId: string;
  userId: string;
  tier: string;
  roles: string[];
}

export const ADMIN_ROLE = 'admin';

export const isAdmin = (principal: Principal): boolean => principal.roles.includes(ADMIN_ROLE);

/**
 * The host app's authentication, adapted: given the raw request (an Express/Fastify request for
 * HTTP), return the principal, or `null` when the caller is not authenticated.
 */
export type PrincipalResolver = (request: unknown) => Principal | null | Promise<Principal | null>;
