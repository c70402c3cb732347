import { AgentErrorCode } from '../errors/agent-error-code.js';
import { AgentError } from '../errors/agent.errors.js';

/** One scope's monthly budget and what it has used (SPEC §12); what a 402 carries in `details.budget`. */
export interface BudgetState {
  scope: 'user' | 'tenant';
  period: { from: string; to: string };
  limit_tokens: number | null;
  limit_usd: number | null;
  spent_tokens: number;
  spent_usd: number;
  /** Held by steps running right now. */
  reserved_tokens: number;
  reserved_usd: number;
}

/** A start (402) or a next step over a monthly budget. */
export class BudgetExceededError extends AgentError {
  constructor(readonly budget: BudgetState) {
    super(AgentErrorCode.BudgetExceeded, `The ${budget.scope}'s monthly budget is used up (${describe(budget)})`, { budget });
  }
}

function describe(b: BudgetState): string {
  const parts: string[] = [];
  if (b.limit_tokens !== null) parts.push(`${b.spent_tokens} of ${b.limit_tokens} tokens`);
  if (b.limit_usd !== null) parts.push(`$${b.spent_usd.toFixed(4)} of $${b.limit_usd}`);
  return parts.join(', ');
}
