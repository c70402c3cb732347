/** USD per 1,000 tokens, input and output priced apart (as providers bill). */
export interface ModelPrice {
  inputPer1k: number;
  outputPer1k: number;
}

export interface Pricing {
  /** By model id as the provider reports it (`gpt-4o-mini`, `claude-sonnet-4`, …). */
  models: Record<string, ModelPrice>;
  /** For a model the table does not name. */
  unknownModel: ModelPrice;
}

export const priceOf = (pricing: Pricing, model: string): ModelPrice => pricing.models[model] ?? pricing.unknownModel;

/** Rounded to the micro-dollar the columns keep. */
export function costOf(pricing: Pricing, model: string, inputTokens: number, outputTokens: number): number {
  const price = priceOf(pricing, model);
  return Math.round(((inputTokens / 1000) * price.inputPer1k + (outputTokens / 1000) * price.outputPer1k) * 1e6) / 1e6;
}

export function findPricingProblems(pricing: Pricing): string[] {
  const problems: string[] = [];
  const check = (where: string, price: ModelPrice | undefined) => {
    for (const key of ['inputPer1k', 'outputPer1k'] as const) {
      const value = price?.[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        problems.push(`${where}.${key} must be a number ≥ 0 (USD per 1K tokens)`);
    }
  };
  for (const [model, price] of Object.entries(pricing.models)) check(`billing.pricing.${model}`, price);
  check('billing.unknownModelPrice', pricing.unknownModel);
  return problems;
}
