import { Inject, Injectable } from '@nestjs/common';
import type { BudgetState } from '../../billing/budget-exceeded.error.js';
import { BudgetService, type BudgetOverride, type BudgetOwner, type BudgetScope, type Reservation } from '../../billing/budget.service.js';
import type { SqlPool } from '../../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../../infrastructure/agents-database.provider.js';
import { RELEASE_SQL, RESERVE_SQL } from './execution-budgets.sql.js';

/**
 * An execution's side of the budgets (SPEC §12): the ledger opened for its job (billing's), and
 * the reservation of its step in flight, held on the ledger and recorded on its row in one
 * statement, so concurrent executions pass the budget by at most one step each.
 */
@Injectable()
export class ExecutionBudgets {
  private readonly pool: SqlPool;

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly budgets: BudgetService,
  ) {
    this.pool = database.pool;
  }

  /**
   * Prepares the ledger for an execution's job: null when no budget applies (then steps cost no extra
   * round trip). The admin budgets come with the lease (`overrides`), so none is read here.
   */
  open(owner: BudgetOwner, overrides: readonly BudgetOverride[], now = new Date()): Promise<BudgetScope | null> {
    return this.budgets.open(owner, now, overrides);
  }

  /**
   * Holds a step's estimate (tokens and USD of the execution's previous step; 0 for a first) on
   * every scope: the reservation when it fits; else the scope without room (nothing stays reserved).
   */
  async reserve(
    scope: BudgetScope,
    executionId: string,
    tokens: number,
    usd: number,
  ): Promise<{ reservation: Reservation } | { exceeded: BudgetState }> {
    const values = [executionId, scope.tenantId, scope.period, scope.keys, tokens, usd];
    const { rows } = await this.pool.query({ name: 'agents_budget_reserve', text: RESERVE_SQL, values });
    const reserved = rows[0].keys as string[];
    if (reserved.length === scope.keys.length) return { reservation: { period: scope.period, keys: reserved, tokens, usd } };
    if (reserved.length > 0) await this.release(executionId);
    return { exceeded: await this.budgets.exhausted(scope, reserved) };
  }

  /** Gives back what the execution holds (its step committed nothing). */
  async release(executionId: string): Promise<void> {
    await this.pool.query(RELEASE_SQL, [executionId]);
  }
}
