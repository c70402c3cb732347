import type { DashboardUsage } from '../../../../../client/index.js';
import { BudgetMeter } from '../charts/budget-meter.js';
import { bucketTimes, perBucket } from '../charts/stats-window.js';
import { Tile } from '../charts/tile.js';
import { CostChart, TokensChart } from '../charts/spend-charts.js';
import { UsageTable } from '../charts/usage-table.js';
import { count, usd } from '../format.js';
import { StatsPage } from '../charts/stats-page.js';

type Budget = DashboardUsage['budgets'][number];

/** Cost and tokens over the window, by model and by user, and every budget of the tenant against its limit. */
export function UsageView() {
  return (
    <StatsPage title="Usage" read={(client, window) => client.admin.dashboard.usage(window)}>
      {(data) => <Usage data={data} />}
    </StatsPage>
  );
}

function Usage({ data }: { data: DashboardUsage }) {
  const times = bucketTimes(data.series);
  const per = perBucket(data.bucket_seconds);
  const sum = (pick: (b: DashboardUsage['series'][number]) => number) => data.series.reduce((total, b) => total + pick(b), 0);
  return (
    <div data-testid="usage" data-window={data.window}>
      <div class="tiles many">
        <Tile label="Cost in the window" value={usd(sum((b) => b.cost_usd))} testId="usage-cost" />
        <Tile label="Input tokens" value={count(sum((b) => b.input_tokens))} testId="usage-input" />
        <Tile label="Output tokens" value={count(sum((b) => b.output_tokens))} testId="usage-output" />
      </div>
      <div class="grid">
        <section class="card">
          <CostChart times={times} buckets={data.series} per={per} testId="usage-chart-cost" />
        </section>
        <section class="card">
          <TokensChart times={times} buckets={data.series} per={per} testId="usage-chart-tokens" />
        </section>
      </div>
      <div class="grid">
        <section class="card">
          <h2>By model</h2>
          <UsageTable
            label="Usage by model, costliest first"
            column="Model"
            name={(l) => l.model}
            lines={data.by_model}
            testId="usage-by-model"
          />
        </section>
        <section class="card">
          <h2>By user</h2>
          <UsageTable
            label="Usage by user, costliest first"
            column="User"
            name={(l) => l.user_id}
            lines={data.by_user}
            testId="usage-by-user"
          />
        </section>
      </div>
      <section class="card" aria-labelledby="budgets-title">
        <h2 id="budgets-title">Budgets this period</h2>
        <Budgets budgets={data.budgets} />
      </section>
    </div>
  );
}

function Budgets({ budgets }: { budgets: Budget[] }) {
  if (budgets.length === 0)
    return (
      <p class="muted" data-testid="budgets-none">
        No budget is set in this tenant.
      </p>
    );
  // The tenant's first, then users by name.
  const sorted = [...budgets].sort((a, b) => (a.user_id === null ? -1 : b.user_id === null ? 1 : a.user_id.localeCompare(b.user_id)));
  return (
    <ul class="budgets" data-testid="budgets">
      {sorted.map((budget) => {
        const who = budget.user_id === null ? 'Tenant' : budget.user_id;
        const testId = `budget-${budget.user_id ?? 'tenant'}`;
        return (
          <li data-testid={testId}>
            <h3>
              {budget.user_id === null ? 'Tenant' : <span class="mono">{budget.user_id}</span>}
              <span class="muted">
                {day(budget.period.from)} – {day(budget.period.to)}
              </span>
            </h3>
            {budget.limit_usd !== null && (
              <BudgetMeter
                kind="USD"
                label={`${who} budget, USD`}
                limit={budget.limit_usd}
                spent={budget.spent_usd}
                reserved={budget.reserved_usd}
                format={usd}
                testId={`${testId}-usd`}
              />
            )}
            {budget.limit_tokens !== null && (
              <BudgetMeter
                kind="Tokens"
                label={`${who} budget, tokens`}
                limit={budget.limit_tokens}
                spent={budget.spent_tokens}
                reserved={budget.reserved_tokens}
                format={(n) => `${count(n)} tokens`}
                testId={`${testId}-tokens`}
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** A budget period's bound as a date (periods start and end at midnight UTC). */
const day = (iso: string): string => new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'medium' });
