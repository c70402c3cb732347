import { describe, expect, it } from 'vitest';
import type { ResolvedAgentOptions } from '../../src/agent/agent.options.js';
import { TierPolicies } from '../../src/agent/tenancy/tier-policies.js';
import { DEFAULT_TIERS, mergeTiers } from '../../src/agent/tenancy/tier-policy.js';

describe('tier policies', () => {
  const policies = new TierPolicies({ tiers: mergeTiers(), defaultTier: 'free' } as ResolvedAgentOptions);

  it('gives a principal whose tier is named like an Object.prototype member the default tier', () => {
    for (const tier of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(policies.for({ tier })).toEqual({ name: 'free', ...DEFAULT_TIERS.free });
    }
    expect(policies.for({ tier: 'pro' }).name).toBe('pro');
  });

  it('starts a configured tier named like an Object.prototype member from the free tier', () => {
    expect(mergeTiers({ constructor: { perHour: 7 } }).constructor).toEqual({
      ...DEFAULT_TIERS.free,
      perHour: 7,
      sandbox: DEFAULT_TIERS.free!.sandbox,
    });
  });
});
