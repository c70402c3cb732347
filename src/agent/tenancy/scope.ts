import { isAdmin, type Principal } from './principal.js';

/** Whose executions a query or a change may touch. `null` = any (internal callers: timers, recovery). */
export interface Scope {
  tenantId: string | null;
  userId: string | null;
}

export const ANY_SCOPE: Scope = { tenantId: null, userId: null };

/** A user's own executions. */
export const ownScope = (principal: Principal): Scope => ({ tenantId: principal.tenantId, userId: principal.userId });

/**
 * What the principal may see: admins their whole tenant (when acting as admins), everyone else
 * their own executions. Never another tenant.
 */
export const scopeFor = (principal: Principal, asAdmin = false): Scope =>
  asAdmin && isAdmin(principal) ? { tenantId: principal.tenantId, userId: null } : ownScope(principal);
