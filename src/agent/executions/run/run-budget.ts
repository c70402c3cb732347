import type { BudgetState } from '../../billing/budget-exceeded.error.js';
import type { BudgetScope, Reservation } from '../../billing/budget.service.js';
import { costOf, type Pricing } from '../../billing/pricing.js';
import type { ModelUsage } from '../../runtime/step-context.js';
import type { ExecutionBudgets } from '../lifecycle/execution-budgets.js';
import type { StepBilling } from './step-commit.js';

/**
 * One run's side of the budgets: before each step it reserves the step's estimate (the previous
 * step's actual spend; at a job's start the run's average step), and the step's commit turns the
 * reservation into the actual spend. Without a budget it costs nothing.
 */
export class RunBudget {
  private held: Reservation | null = null;
  private estimate: { tokens: number; usd: number };

  constructor(
    private readonly budgets: ExecutionBudgets,
    private readonly pricing: Pricing,
    private readonly scope: BudgetScope | null,
    private readonly executionId: string,
    averageStepTokens: number,
  ) {
    this.estimate = { tokens: averageStepTokens, usd: 0 };
  }

  /** Whether a budget applies to this run: without one, nothing is reserved and no step waits for it. */
  get applies(): boolean {
    return this.scope !== null;
  }

  /** Null when the step may run (reserved, or no budget); else the budget without room. */
  async reserve(): Promise<BudgetState | null> {
    // A step given back before it began (a pause or cancel asked meanwhile) still holds its reservation.
    if (!this.scope || this.held) return null;
    const reserved = await this.budgets.reserve(this.scope, this.executionId, this.estimate.tokens, this.estimate.usd);
    if ('exceeded' in reserved) return reserved.exceeded;
    this.held = reserved.reservation;
    return null;
  }

  /** What the commit carries: one priced record per model call, and the reservation it replaces. */
  billing(usage: readonly ModelUsage[] = []): StepBilling {
    const records = usage.map((u) => ({
      model: u.model,
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      cost_usd: costOf(this.pricing, u.model, u.inputTokens, u.outputTokens),
    }));
    if (records.length > 0) {
      this.estimate = {
        tokens: records.reduce((n, r) => n + r.input_tokens + r.output_tokens, 0),
        usd: records.reduce((n, r) => n + r.cost_usd, 0),
      };
    }
    return { records, reservation: this.held };
  }

  /** The commit that carried the reservation landed: the ledger took it back. */
  committed(): void {
    this.held = null;
  }

  /** The step committed nothing (lease lost, killed): its reservation goes back. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = null;
    await this.budgets.release(this.executionId);
  }
}
