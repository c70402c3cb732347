import { Inject, Injectable } from '@nestjs/common';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { InvalidAgentOptionsError } from '../errors/invalid-agent-options.error.js';
import type { ResolvedTenancyOptions } from './tenancy.options.js';
import { ALL_QUEUES } from '../infrastructure/queue-names.js';
import type { Principal } from './principal.js';
import { findTierProblems, mergeTiers, type TierPolicy, type TierPolicyInput } from './tier-policy.js';

/**
 * The tier policies in force. Read at each use, so `replace()` takes effect at once without a
 * restart (on this node: call it on every node, e.g. from the host app's config watcher).
 */
@Injectable()
export class TierPolicies {
  private tiers: Record<string, TierPolicy>;

  constructor(@Inject(AGENT_OPTIONS) private readonly options: ResolvedTenancyOptions) {
    this.tiers = options.tiers;
  }

  /** The principal's tier; an unknown tier gets the default tier's policy. */
  for(principal: Pick<Principal, 'tier'>): TierPolicy & { name: string } {
    // NOTE: own tiers only: a tier named `constructor` or `toString` is not one.
    const name = Object.hasOwn(this.tiers, principal.tier) ? principal.tier : this.options.defaultTier;
    return { name, ...this.tiers[name]! };
  }

  all(): Record<string, TierPolicy> {
    return this.tiers;
  }

  /** Replaces every tier (merged over the defaults); invalid policies are refused and nothing changes. */
  replace(tiers: Record<string, TierPolicyInput>): void {
    const merged = mergeTiers(tiers);
    const problems = findTierProblems(merged, ALL_QUEUES);
    if (problems.length > 0) throw new InvalidAgentOptionsError(problems);
    this.tiers = merged;
  }
}
