/** A monthly allowance; a limit left out does not apply. */
export interface MonthlyBudget {
  tokens?: number | null;
  usd?: number | null;
}

/** What happens to a running execution whose next step would pass its budget. */
export type BudgetExceededAction = 'fail' | 'pause';
export const BUDGET_EXCEEDED_ACTIONS: readonly BudgetExceededAction[] = ['fail', 'pause'];

export const hasLimit = (budget: MonthlyBudget | null | undefined): budget is MonthlyBudget =>
  !!budget && ((budget.tokens ?? null) !== null || (budget.usd ?? null) !== null);

export function findBudgetProblems(where: string, budget: MonthlyBudget | null | undefined): string[] {
  if (budget === null || budget === undefined) return [];
  if (typeof budget !== 'object') return [`${where} must be { tokens?, usd? } or null`];
  const problems: string[] = [];
  if (budget.tokens !== undefined && budget.tokens !== null && !(Number.isInteger(budget.tokens) && budget.tokens >= 0)) problems.push(`${where}.tokens must be an integer ≥ 0`);
  if (budget.usd !== undefined && budget.usd !== null && !(typeof budget.usd === 'number' && Number.isFinite(budget.usd) && budget.usd >= 0)) problems.push(`${where}.usd must be a number ≥ 0`);
  return problems;
}
