import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import type { PrincipalResolver } from './principal.js';
import { findTierProblems, mergeTiers, type TierPolicy, type TierPolicyInput } from './tier-policy.js';

/** Who calls, and what their tier allows: tenancy's part of `AgentModuleOptions`. */
export interface TenancyOptions {
  /** The host app's authentication (see `Principal`). */
  resolvePrincipal: PrincipalResolver;
  /** Policies per subscription tier, merged over the defaults (free, pro, enterprise: SPEC §8). */
  tiers?: Record<string, TierPolicyInput>;
  /** The tier of principals whose tier is unknown (default `free`). */
  defaultTier?: string;
}

export interface ResolvedTenancyOptions {
  resolvePrincipal: PrincipalResolver;
  tiers: Record<string, TierPolicy>;
  defaultTier: string;
}

export function resolvePrincipalOption(o: Partial<TenancyOptions>, problems: string[]): Pick<ResolvedTenancyOptions, 'resolvePrincipal'> {
  if (typeof o.resolvePrincipal !== 'function') {
    problems.push('resolvePrincipal must be a function (request) => Principal | null');
  }
  return { resolvePrincipal: o.resolvePrincipal! };
}

/** The tiers merged over the defaults, and the tier of principals whose tier is unknown. */
export function resolveTierOptions(o: Partial<TenancyOptions>, problems: string[]): Pick<ResolvedTenancyOptions, 'tiers' | 'defaultTier'> {
  const tiers = mergeTiers(o.tiers);
  problems.push(...findTierProblems(tiers, ALL_QUEUES));
  const defaultTier = o.defaultTier ?? 'free';
  if (!(defaultTier in tiers)) problems.push(`defaultTier '${defaultTier}' is not a tier (tiers: ${Object.keys(tiers).join(', ')})`);
  return { tiers, defaultTier };
}
