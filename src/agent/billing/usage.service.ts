import { Inject, Injectable } from '@nestjs/common';
import type { SqlPool } from '../infrastructure/sql-pool.js';
import { AGENTS_DATABASE, type AgentsDatabase } from '../infrastructure/agents-database.provider.js';
import type { Scope } from '../tenancy/scope.js';

export interface UsageLine {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  requests: number;
}

/** SPEC §12: `GET /api/usage`. `by_user` only for an admin's tenant-wide summary. */
export interface UsageSummary {
  period: { from: string; to: string };
  by_model: (UsageLine & { model: string })[];
  totals: UsageLine;
  by_user?: (UsageLine & { user_id: string })[];
}

const SUMMARY_SQL = (groupBy: 'model' | 'user_id') => `
SELECT ${groupBy} AS key, sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
       sum(cost_usd) AS cost_usd, count(*)::int AS requests
FROM token_usage_records
WHERE tenant_id = $1 AND ($2::text IS NULL OR user_id = $2) AND recorded_at >= $3 AND recorded_at < $4
GROUP BY ${groupBy} ORDER BY sum(cost_usd) DESC, ${groupBy}`;

/** Sums of the usage records (one per model call) over a period, for one user or a whole tenant. */
@Injectable()
export class UsageService {
  private readonly pool: SqlPool;

  constructor(@Inject(AGENTS_DATABASE) database: AgentsDatabase) {
    this.pool = database.pool;
  }

  async summary(scope: Scope, from: Date, to: Date): Promise<UsageSummary> {
    const values = [scope.tenantId, scope.userId, from, to];
    const [byModel, byUser] = await Promise.all([
      this.pool.query(SUMMARY_SQL('model'), values),
      scope.userId === null ? this.pool.query(SUMMARY_SQL('user_id'), values) : null,
    ]);
    const by_model = byModel.rows.map((r) => ({ model: r.key as string, ...line(r) }));
    const totals = by_model.reduce<UsageLine>(
      (sum, m) => ({
        input_tokens: sum.input_tokens + m.input_tokens,
        output_tokens: sum.output_tokens + m.output_tokens,
        cost_usd: round(sum.cost_usd + m.cost_usd),
        requests: sum.requests + m.requests,
      }),
      { input_tokens: 0, output_tokens: 0, cost_usd: 0, requests: 0 },
    );
    return {
      period: { from: from.toISOString(), to: to.toISOString() },
      by_model,
      totals,
      ...(byUser ? { by_user: byUser.rows.map((r) => ({ user_id: r.key as string, ...line(r) })) } : {}),
    };
  }
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

const line = (r: Record<string, unknown>): UsageLine => ({
  input_tokens: Number(r.input_tokens),
  output_tokens: Number(r.output_tokens),
  cost_usd: round(Number(r.cost_usd)),
  requests: Number(r.requests),
});
