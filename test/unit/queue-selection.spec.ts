import { describe, expect, it } from 'vitest';
import { selectQueue } from '../../src/agent/tenancy/queue-selection.js';
import { DEFAULT_TIERS } from '../../src/agent/tenancy/tier-policy.js';

const tier = (name: 'free' | 'pro' | 'enterprise') => ({ name, ...DEFAULT_TIERS[name]! });
const base = { agentQueue: 'agents-default' as const, agentQueueIsDefault: true };

describe('selectQueue (SPEC §8)', () => {
  it("uses the tier's queue by default (enterprise → priority)", () => {
    expect(selectQueue({ ...base, tier: tier('free') })).toBe('agents-default');
    expect(selectQueue({ ...base, tier: tier('enterprise') })).toBe('agents-priority');
  });

  it('sends long types and more than 50 expected steps to the long queue', () => {
    expect(selectQueue({ agentQueue: 'agents-long', agentQueueIsDefault: false, tier: tier('enterprise') })).toBe('agents-long');
    expect(selectQueue({ ...base, estimatedSteps: 51, tier: tier('pro') })).toBe('agents-long');
    expect(selectQueue({ ...base, estimatedSteps: 50, tier: tier('pro') })).toBe('agents-default');
  });

  it('honours an allowed explicit queue and refuses the priority queue to tiers without it', () => {
    expect(selectQueue({ ...base, explicit: 'agents-long', tier: tier('free') })).toBe('agents-long');
    expect(selectQueue({ ...base, explicit: 'agents-priority', tier: tier('enterprise') })).toBe('agents-priority');
    expect(() => selectQueue({ ...base, explicit: 'agents-priority', tier: tier('pro') })).toThrow(
      "Queue 'agents-priority' is not allowed",
    );
  });
});
