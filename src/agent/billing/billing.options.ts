import { findPricingProblems, type ModelPrice, type Pricing } from './pricing.js';

/** What happens to a running execution whose next step would pass its budget. */
export type BudgetExceededAction = 'fail' | 'pause';
export const BUDGET_EXCEEDED_ACTIONS: readonly BudgetExceededAction[] = ['fail', 'pause'];

export interface BillingOptions {
  /**
   * Mount the usage and budget routes (`/api/usage`, `/api/admin/budgets`; default true). `false`
   * leaves them out; usage is still recorded, and budgets (the tiers', and those set before) apply.
   */
  routes?: boolean;
  /** USD per 1K tokens by model id. */
  pricing?: Record<string, ModelPrice>;
  /** The price of a model the table does not name (default 0.003 in, 0.015 out per 1K). */
  unknownModelPrice?: ModelPrice;
  /**
   * A running execution whose next step would pass a budget: `fail` (default, `budget_exceeded`) or
   * `pause` (resumable once the budget is raised).
   */
  onBudgetExceeded?: BudgetExceededAction;
}

export interface ResolvedBillingOptions {
  billing: { pricing: Pricing; onBudgetExceeded: BudgetExceededAction };
  features: { billingRoutes: boolean };
}

export function resolveBillingOptions(input: BillingOptions | undefined, problems: string[]): ResolvedBillingOptions {
  const routes = input?.routes ?? true;
  if (typeof routes !== 'boolean') problems.push('billing.routes must be a boolean');
  const billing = {
    pricing: { models: input?.pricing ?? {}, unknownModel: input?.unknownModelPrice ?? { inputPer1k: 0.003, outputPer1k: 0.015 } },
    onBudgetExceeded: input?.onBudgetExceeded ?? 'fail',
  };
  problems.push(...findPricingProblems(billing.pricing));
  if (!BUDGET_EXCEEDED_ACTIONS.includes(billing.onBudgetExceeded)) {
    problems.push(`billing.onBudgetExceeded must be one of ${BUDGET_EXCEEDED_ACTIONS.join(', ')}`);
  }
  return { billing, features: { billingRoutes: routes } };
}
