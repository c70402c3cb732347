import { describe, expect, it } from 'vitest';
import { costOf, findPricingProblems, priceOf, type Pricing } from '../../src/agent/billing/pricing.js';
import { resolveAgentOptions, InvalidAgentOptionsError } from '../../src/agent/agent.options.js';

const pricing: Pricing = {
  models: { 'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 } },
  unknownModel: { inputPer1k: 0.003, outputPer1k: 0.015 },
};

describe('pricing per 1K tokens', () => {
  it('prices a known model from its row, input and output apart', () => {
    expect(costOf(pricing, 'gpt-4o-mini', 2000, 500)).toBe(0.0006);
  });

  it('prices an unknown model at the configured default', () => {
    expect(priceOf(pricing, 'mystery-model')).toEqual(pricing.unknownModel);
    expect(costOf(pricing, 'mystery-model', 1000, 1000)).toBe(0.018);
  });

  it('keeps micro-dollars, as the columns do', () => {
    expect(costOf(pricing, 'gpt-4o-mini', 1, 1)).toBe(0.000001);
    expect(costOf(pricing, 'gpt-4o-mini', 0, 0)).toBe(0);
  });

  it('refuses negative or missing prices at boot, naming them', () => {
    expect(
      findPricingProblems({ models: { m: { inputPer1k: -1, outputPer1k: 0 } }, unknownModel: { inputPer1k: 0, outputPer1k: Number.NaN } }),
    ).toEqual([
      'billing.pricing.m.inputPer1k must be a number ≥ 0 (USD per 1K tokens)',
      'billing.unknownModelPrice.outputPer1k must be a number ≥ 0 (USD per 1K tokens)',
    ]);
    const base = { database: { url: 'postgres://x/y' }, transport: 'postgres' as const, resolvePrincipal: () => null };
    expect(() => resolveAgentOptions({ ...base, billing: { onBudgetExceeded: 'explode' as never } })).toThrow(InvalidAgentOptionsError);
    expect(resolveAgentOptions(base).billing).toEqual({
      pricing: { models: {}, unknownModel: { inputPer1k: 0.003, outputPer1k: 0.015 } },
      onBudgetExceeded: 'fail',
    });
  });
});
