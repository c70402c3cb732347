/** What happens to a running execution whose next step would pass its budget. */
export type BudgetExceededAction = 'fail' | 'pause';
export const BUDGET_EXCEEDED_ACTIONS: readonly BudgetExceededAction[] = ['fail', 'pause'];
