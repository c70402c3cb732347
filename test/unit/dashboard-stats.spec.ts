import { describe, expect, it } from 'vitest';
import { InvalidAgentOptionsError, resolveAgentOptions, type AgentModuleOptions } from '../../src/agent/agent.options.js';
import { durationBin } from '../../src/agent/dashboard/stats/duration-histogram.js';
import { failingTypeAlerts, usedRatio } from '../../src/agent/dashboard/stats/stats-alerts.js';
import { windowRange } from '../../src/agent/dashboard/stats/stats-window.js';

const valid: AgentModuleOptions = { database: { url: 'postgres://localhost/db' }, transport: 'postgres', resolvePrincipal: () => null };
const thresholds = resolveAgentOptions(valid).dashboard.stats.alerts;

describe('dashboard statistics', () => {
  it('defaults its options and refuses bad ones, a stuck threshold within the lease timeout included', () => {
    expect(resolveAgentOptions(valid).dashboard.stats).toEqual({
      rollupIntervalMs: 5000,
      recomputeSeconds: 180,
      backfillHours: 168,
      alerts: { stuckAfterSeconds: 300, failureRate: 0.25, minFinishedRuns: 10, budgetUsedRatio: 0.8, maxStuck: 20 },
    });
    let error: unknown;
    try {
      resolveAgentOptions({
        ...valid,
        lease: { timeoutMs: 60_000 },
        dashboard: { stats: { rollupIntervalMs: -1, backfillHours: 200, alerts: { stuckAfterSeconds: 60, failureRate: 1.5 } } },
      });
    } catch (e) {
      error = e;
    }
    expect((error as InvalidAgentOptionsError).problems).toEqual([
      'dashboard.stats.rollupIntervalMs must be an integer ≥ 0 (0: no rollup job on this node)',
      'dashboard.stats.backfillHours must be an integer from 0 to 168',
      expect.stringMatching(/^dashboard\.stats\.alerts\.stuckAfterSeconds must be more than the lease timeout \(60 s\)/),
      'dashboard.stats.alerts.failureRate must be a number above 0, at most 1',
    ]);
  });

  it('keeps durations to two significant digits, exact below 100 ms', () => {
    expect([0, 12.7, 99, 100, 1234, 1500, 98_765, 3_600_000].map(durationBin)).toEqual([0, 12, 99, 100, 1200, 1500, 98_000, 3_600_000]);
  });

  it('aligns a window on its buckets, ending with the one now falls in', () => {
    const now = new Date('2026-03-10T12:34:56.789Z');
    expect(windowRange('hour', now)).toMatchObject({ from: new Date('2026-03-10T11:35:00Z'), to: new Date('2026-03-10T12:35:00Z') });
    const week = windowRange('week', now);
    expect([week.buckets.length, week.from, week.to]).toEqual([168, new Date('2026-03-03T13:00:00Z'), new Date('2026-03-10T13:00:00Z')]);
    expect(windowRange('day', now).buckets.at(-1)).toEqual(new Date('2026-03-10T12:30:00Z'));
  });

  it('rates budgets by the fuller of tokens and dollars, and agent types by enough finished runs', () => {
    const budget = { scope: 'user' as const, period: { from: '2026-03-01', to: '2026-04-01' }, spent_tokens: 600, reserved_tokens: 200 };
    expect(usedRatio({ ...budget, limit_tokens: 1000, limit_usd: 10, spent_usd: 9.5, reserved_usd: 0 })).toBe(0.95);
    expect(usedRatio({ ...budget, limit_tokens: 1000, limit_usd: null, spent_usd: 0, reserved_usd: 0 })).toBe(0.8);
    const sums = [
      { key: 'few', completed: 0, failed: 9, cancelled: 0 },
      { key: 'bad', completed: 6, failed: 4, cancelled: 0 },
      { key: 'fine', completed: 80, failed: 19, cancelled: 1 },
    ];
    expect(
      failingTypeAlerts(sums, thresholds, 'hour').map((a) => a.kind === 'failing_agent_type' && [a.agent_type, a.failure_rate]),
    ).toEqual([['bad', 0.4]]);
  });
});
