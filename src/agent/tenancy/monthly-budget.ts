/** A monthly allowance; a limit left out does not apply. A tier gives one to each user; billing enforces it. */
export interface MonthlyBudget {
  tokens?: number | null;
  usd?: number | null;
}

export const hasLimit = (budget: MonthlyBudget | null | undefined): budget is MonthlyBudget =>
  !!budget && ((budget.tokens ?? null) !== null || (budget.usd ?? null) !== null);

export function findBudgetProblems(where: string, budget: MonthlyBudget | null | undefined): string[] {
  if (budget === null || budget === undefined) return [];
  if (typeof budget !== 'object') return [`${where} must be { tokens?, usd? } or null`];
  const problems: string[] = [];
  const { tokens, usd } = budget;
  if (tokens !== undefined && tokens !== null && !(Number.isInteger(tokens) && tokens >= 0)) {
    problems.push(`${where}.tokens must be an integer ≥ 0`);
  }
  if (usd !== undefined && usd !== null && !(typeof usd === 'number' && Number.isFinite(usd) && usd >= 0)) {
    problems.push(`${where}.usd must be a number ≥ 0`);
  }
  return problems;
}
