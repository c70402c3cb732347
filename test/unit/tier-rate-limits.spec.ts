import { describe, expect, it } from 'vitest';
import { InvalidAgentOptionsError, resolveAgentOptions, type AgentModuleOptions } from '../../src/agent/agent.options.js';

const valid: AgentModuleOptions = {
  database: { url: 'postgres://localhost/db' },
  transport: 'postgres',
  resolvePrincipal: () => null,
};

const problemsOf = (options: AgentModuleOptions): string[] => {
  try {
    resolveAgentOptions(options);
  } catch (error) {
    if (error instanceof InvalidAgentOptionsError) return error.problems;
    throw error;
  }
  return [];
};

describe('request rates in the tier table', () => {
  it('defaults to 20/s and 60/min for free, 50/s and 300/min for pro, 100/s and 1,200/min for enterprise', () => {
    const { tiers } = resolveAgentOptions(valid);
    const rates = Object.fromEntries(Object.entries(tiers).map(([name, t]) => [name, [t.rateLimits.burst, t.rateLimits.sustained]]));
    expect(rates).toEqual({
      free: [
        { limit: 20, ttlSeconds: 1 },
        { limit: 60, ttlSeconds: 60 },
      ],
      pro: [
        { limit: 50, ttlSeconds: 1 },
        { limit: 300, ttlSeconds: 60 },
      ],
      enterprise: [
        { limit: 100, ttlSeconds: 1 },
        { limit: 1200, ttlSeconds: 60 },
      ],
    });
  });

  it('merges a tier’s settings over its defaults, and a new tier over free’s', () => {
    const { tiers } = resolveAgentOptions({
      ...valid,
      tiers: {
        pro: { rateLimits: { sustained: { limit: 600 } } },
        team: { maxConcurrent: 3, rateLimits: { burst: { limit: 5, blockSeconds: 30 } } },
      },
    });
    expect(tiers.pro!.rateLimits).toEqual({ burst: { limit: 50, ttlSeconds: 1 }, sustained: { limit: 600, ttlSeconds: 60 } });
    expect(tiers.team!.rateLimits).toEqual({
      burst: { limit: 5, ttlSeconds: 1, blockSeconds: 30 },
      sustained: { limit: 60, ttlSeconds: 60 },
    });
  });

  it('stops the boot with every bad rate named', () => {
    const problems = problemsOf({
      ...valid,
      tiers: {
        free: { rateLimits: { burst: { limit: 0 }, sustained: { ttlSeconds: 1.5, blockSeconds: -1 } } },
        // @ts-expect-error an unknown throttler
        pro: { rateLimits: { hourly: { limit: 10, ttlSeconds: 3600 } } },
      },
    });
    expect(problems).toEqual([
      'tiers.free.rateLimits.burst.limit must be a positive integer (requests per window)',
      'tiers.free.rateLimits.sustained.ttlSeconds must be a positive integer (the window, in seconds)',
      'tiers.free.rateLimits.sustained.blockSeconds must be a positive integer (seconds)',
      'tiers.pro.rateLimits.hourly is not a throttler (throttlers: burst, sustained)',
    ]);
  });
});
