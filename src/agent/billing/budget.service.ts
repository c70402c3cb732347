import { Inject, Injectable } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import { TierPolicies } from '../tenancy/tier-policies.js';
import { hasLimit, type MonthlyBudget } from '../tenancy/monthly-budget.js';
import type { BudgetState } from './budget-exceeded.error.js';
import { BudgetExceededError } from './budget-exceeded.error.js';
import { LEDGER_SQL, OPEN_LEDGER_SQL, SPEND_THIS_MONTH_SQL, TENANT_BUDGETS_SQL } from './budget-ledger.sql.js';

/** The ledger key of a tenant-wide budget. */
export const TENANT_SCOPE = '';

/** Whose budgets apply to an execution this month: its user's and/or its tenant's. */
export interface BudgetScope {
  tenantId: string;
  userId: string;
  /** First day of the month, `YYYY-MM-DD` (UTC). */
  period: string;
  /** Ledger keys: the user id, and `''` for the tenant. */
  keys: string[];
}

/** What a step holds while it runs; its commit turns it into the actual spend. */
export interface Reservation {
  period: string;
  keys: string[];
  tokens: number;
  usd: number;
}

/** Whose budgets apply: a principal, or the owner of an execution. */
export interface BudgetOwner {
  tenantId: string;
  userId: string;
  tier: string | null;
}

/** Admin budgets are seen by other nodes within this long. */
const OVERRIDE_CACHE_MS = 5_000;

/** An admin's budget row (`agent_budgets`) for a user, or for the tenant (`user_id` = ''). */
export interface BudgetOverride {
  user_id: string;
  monthly_tokens: string | null;
  monthly_usd: string | null;
}

interface LedgerRow {
  user_id: string;
  period: string | Date;
  spent_tokens: string;
  spent_usd: string;
  reserved_tokens: string;
  reserved_usd: string;
  limit_tokens: string | null;
  limit_usd: string | null;
}

/**
 * Monthly budgets (SPEC §12): the tier's per-user budget or an admin's per-user and per-tenant
 * ones. A start over budget is refused (402); a running execution reserves each step's estimate
 * atomically before the step (the kernel's `ExecutionBudgets`, on the ledger this service opens).
 */
@Injectable()
export class BudgetService {
  private readonly pool: SqlPool;
  /** Admin budgets read at most every few seconds per user: a start or a job should not pay a round trip when none is set. */
  private readonly overrides = new Map<string, { at: number; rows: readonly BudgetOverride[] }>();

  constructor(
    @Inject(AGENTS_DATABASE) database: AgentsDatabase,
    private readonly tiers: TierPolicies,
  ) {
    this.pool = database.pool;
  }

  /**
   * The budgets in force for a user: theirs (an admin's, else the tier's) and their tenant's.
   * `overrides`: the admin budgets as the caller just read them (they come with a lease), instead of
   * this node's cache.
   */
  async budgetsOf(
    owner: BudgetOwner,
    overrides?: readonly BudgetOverride[],
  ): Promise<{ user: MonthlyBudget | null; tenant: MonthlyBudget | null }> {
    const rows = overrides ? this.remember(owner, overrides) : await this.overridesOf(owner);
    const set = (key: string): MonthlyBudget | null => {
      const row = rows.find((r) => r.user_id === key);
      return row ? { tokens: nullableNumber(row.monthly_tokens), usd: nullableNumber(row.monthly_usd) } : null;
    };
    return { user: set(owner.userId) ?? this.tiers.for({ tier: owner.tier ?? '' }).budget, tenant: set(TENANT_SCOPE) };
  }

  /**
   * Prepares the ledger for an execution's job: null when no budget applies (then steps cost no extra
   * round trip). `overrides`: the admin budgets read with the job's lease (no query of their own).
   */
  async open(owner: BudgetOwner, now = new Date(), overrides?: readonly BudgetOverride[]): Promise<BudgetScope | null> {
    return (await this.openWithStates(owner, now, overrides))?.scope ?? null;
  }

  /** 402 when the user or the tenant has nothing left this month. */
  async assertStartAllowed(owner: BudgetOwner): Promise<void> {
    const opened = await this.openWithStates(owner);
    const exhausted = opened?.states.find((s) => !hasRoom(s));
    if (exhausted) throw new BudgetExceededError(exhausted);
  }

  /** The scopes' ledger rows as the statement that opened them left them (one round trip, read again only after a lost race). */
  private async openWithStates(
    owner: BudgetOwner,
    now = new Date(),
    overrides?: readonly BudgetOverride[],
  ): Promise<{ scope: BudgetScope; states: BudgetState[] } | null> {
    const { user, tenant } = await this.budgetsOf(owner, overrides);
    const scopes = [
      ...(hasLimit(user) ? [{ user_id: owner.userId, limit_tokens: user.tokens ?? null, limit_usd: user.usd ?? null }] : []),
      ...(hasLimit(tenant) ? [{ user_id: TENANT_SCOPE, limit_tokens: tenant.tokens ?? null, limit_usd: tenant.usd ?? null }] : []),
    ];
    if (scopes.length === 0) return null;
    const period = periodOf(now);
    const scope = { tenantId: owner.tenantId, userId: owner.userId, period, keys: scopes.map((s) => s.user_id) };
    const { rows } = await this.pool.query<LedgerRow>(OPEN_LEDGER_SQL, [owner.tenantId, period, JSON.stringify(scopes)]);
    // A row another start created at the same moment is not returned here (its insert lost): read them all then.
    const states = rows.length === scopes.length ? rows.map((r) => stateOf(r, period)) : await this.states(scope);
    return { scope, states };
  }

  /** The scope that had no room for a reservation (`reserved`: the keys it was made on), as the ledger says now. */
  async exhausted(scope: BudgetScope, reserved: readonly string[]): Promise<BudgetState> {
    const states = await this.states(scope);
    return states.find((s) => !reserved.includes(keyOf(s, scope))) ?? states[0]!;
  }

  /** The user's and tenant's budgets and use this month (`GET /api/usage/budget`). */
  async report(owner: BudgetOwner): Promise<BudgetState[]> {
    return (await this.openWithStates(owner))?.states ?? [];
  }

  /**
   * Every budget of the tenant this month (the tenant's first, `user_id` null, then each user's that
   * has one: an admin's, or a tier's its ledger holds), with what is spent and reserved. Read only.
   */
  async tenantBudgets(tenantId: string, now = new Date()): Promise<(BudgetState & { user_id: string | null })[]> {
    const period = periodOf(now);
    const { rows } = await this.pool.query<LedgerRow & { has_ledger: boolean }>(TENANT_BUDGETS_SQL, [tenantId, period]);
    const limited = rows.filter((r) => r.limit_tokens !== null || r.limit_usd !== null);
    // NOTE: a budget with no ledger row this month (set since its last job, rare) has its spend summed apart: the usual read stays one index lookup.
    for (const row of limited.filter((r) => !r.has_ledger)) {
      const spent = (await this.pool.query<{ tokens: string; usd: string }>(SPEND_THIS_MONTH_SQL, [tenantId, row.user_id, period]))
        .rows[0]!;
      Object.assign(row, { spent_tokens: spent.tokens, spent_usd: spent.usd });
    }
    return limited.map((r) => ({ user_id: r.user_id === TENANT_SCOPE ? null : r.user_id, ...stateOf(r, period) }));
  }

  /** An admin's budget for one user, or the tenant (`userId` = ''); null limits remove it. Takes effect at each execution's next job. */
  async set(tenantId: string, userId: string, budget: MonthlyBudget): Promise<void> {
    if (!hasLimit(budget)) {
      await this.pool.query(`DELETE FROM agent_budgets WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId]);
      this.forgetTenant(tenantId);
      return;
    }
    await this.pool.query(
      `INSERT INTO agent_budgets (tenant_id, user_id, monthly_tokens, monthly_usd) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET monthly_tokens = EXCLUDED.monthly_tokens, monthly_usd = EXCLUDED.monthly_usd, updated_at = now()`,
      [tenantId, userId, budget.tokens ?? null, budget.usd ?? null],
    );
    this.forgetTenant(tenantId);
  }

  private forgetTenant(tenantId: string): void {
    for (const key of this.overrides.keys()) if (key.startsWith(`${tenantId}\u0000`)) this.overrides.delete(key);
  }

  private async overridesOf(owner: BudgetOwner): Promise<readonly BudgetOverride[]> {
    const key = `${owner.tenantId}\u0000${owner.userId}`;
    const cached = this.overrides.get(key);
    if (cached && Date.now() - cached.at < OVERRIDE_CACHE_MS) return cached.rows;
    const { rows } = await this.pool.query<BudgetOverride>(
      `SELECT user_id, monthly_tokens, monthly_usd FROM agent_budgets WHERE tenant_id = $1 AND user_id IN ($2, '')`,
      [owner.tenantId, owner.userId],
    );
    return this.remember(owner, rows);
  }

  /** Fresh rows, read here or by the caller: the cache's until they are OVERRIDE_CACHE_MS old. */
  private remember(owner: BudgetOwner, rows: readonly BudgetOverride[]): readonly BudgetOverride[] {
    if (this.overrides.size > 10_000) this.overrides.clear();
    this.overrides.set(`${owner.tenantId}\u0000${owner.userId}`, { at: Date.now(), rows });
    return rows;
  }

  private async states(scope: BudgetScope): Promise<BudgetState[]> {
    const { rows } = await this.pool.query<LedgerRow>(LEDGER_SQL, [scope.tenantId, scope.period, scope.keys]);
    return rows.map((r) => stateOf(r, scope.period));
  }
}

/** The first day of `now`'s month, UTC. */
export const periodOf = (now: Date): string => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);

/** The first day of the month after `period`. */
export const nextPeriod = (period: string): string => {
  const d = new Date(`${period}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
};

const nullableNumber = (v: string | null): number | null => (v === null ? null : Number(v));

const keyOf = (state: BudgetState, scope: BudgetScope): string => (state.scope === 'tenant' ? TENANT_SCOPE : scope.userId);

function stateOf(row: LedgerRow, period: string): BudgetState {
  return {
    scope: row.user_id === TENANT_SCOPE ? 'tenant' : 'user',
    period: { from: period, to: nextPeriod(period) },
    limit_tokens: nullableNumber(row.limit_tokens),
    limit_usd: nullableNumber(row.limit_usd),
    spent_tokens: Number(row.spent_tokens),
    spent_usd: Number(row.spent_usd),
    reserved_tokens: Number(row.reserved_tokens),
    reserved_usd: Number(row.reserved_usd),
  };
}

const hasRoom = (s: BudgetState): boolean =>
  (s.limit_tokens === null || s.spent_tokens + s.reserved_tokens < s.limit_tokens) &&
  (s.limit_usd === null || s.spent_usd + s.reserved_usd < s.limit_usd);
