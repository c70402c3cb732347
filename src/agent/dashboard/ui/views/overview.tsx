import { useEffect } from 'preact/hooks';
import type { DashboardAlert, DashboardOverview, ParkedStatus } from '../../../../../client/index.js';
import { COLORS } from '../charts/palette.js';
import { bucketTimes, perBucket } from '../charts/stats-window.js';
import { Tile } from '../charts/tile.js';
import { CostChart, TokensChart } from '../charts/spend-charts.js';
import { TimeChart } from '../charts/time-chart.js';
import { count, dateTime, duration, percent, shortId, time, usd } from '../format.js';
import { href } from '../route.js';
import { StatsPage } from '../charts/stats-page.js';

const PARKED: ParkedStatus[] = ['scheduled', 'pending', 'paused', 'awaiting_input', 'awaiting_event', 'awaiting_children'];

/** What the bench reads: the overview's first data on screen (`performance.getEntriesByName`). */
export const OVERVIEW_RENDERED = 'overview-rendered';
let marked = false;

/** Runs started and finished, their steps and waits, tokens and cost over the window; what runs and waits now; what needs a look. */
export function OverviewView() {
  return (
    <StatsPage
      title="Overview"
      read={(client, window) => client.admin.dashboard.overview(window)}
      toolbar={(data) =>
        data && (
          <span class="muted" aria-live="off">
            {(data.window === 'hour' ? time : dateTime)(data.from)} – {(data.window === 'hour' ? time : dateTime)(data.to)}
          </span>
        )
      }
    >
      {(data) => <Overview data={data} />}
    </StatsPage>
  );
}

/**
 * The window's figures and what runs and waits now. A count links to the run list behind it: the
 * window's by status among the runs created since the window began (the nearest filter the list has).
 */
function Overview({ data }: { data: DashboardOverview }) {
  useEffect(() => {
    if (marked) return;
    marked = true;
    // NOTE: after the frame that paints it, so the mark covers the charts' first draw too.
    requestAnimationFrame(() => performance.mark(OVERVIEW_RENDERED));
  }, []);
  const { totals, current, series } = data;
  const times = bucketTimes(series);
  const per = perBucket(data.bucket_seconds);
  return (
    <div data-testid="overview" data-window={data.window}>
      <h3 id="totals">In the window</h3>
      <div class="tiles many" role="group" aria-labelledby="totals">
        <Tile label="Started" value={count(totals.started)} href={href.runs({ from: data.from })} testId="tile-started" />
        <Tile
          label="Completed"
          value={count(totals.completed)}
          href={href.runs({ status: 'completed', from: data.from })}
          testId="tile-completed"
        />
        <Tile label="Failed" value={count(totals.failed)} href={href.runs({ status: 'failed', from: data.from })} testId="tile-failed" />
        <Tile
          label="Cancelled"
          value={count(totals.cancelled)}
          href={href.runs({ status: 'cancelled', from: data.from })}
          testId="tile-cancelled"
        />
        <Tile label="Failure rate" value={percent(totals.failure_rate)} testId="tile-failure-rate" />
        <Tile
          label="Steps"
          value={count(totals.steps)}
          note={`p50 ${duration(totals.step.p50_ms)} · p95 ${duration(totals.step.p95_ms)}`}
          testId="tile-steps"
        />
        <Tile label="Queue wait p50" value={duration(totals.wait.p50_ms)} note={`p95 ${duration(totals.wait.p95_ms)}`} testId="tile-wait" />
        <Tile
          label="Tokens"
          value={count(totals.input_tokens + totals.output_tokens)}
          note={`${count(totals.input_tokens)} in · ${count(totals.output_tokens)} out`}
          testId="tile-tokens"
        />
        <Tile label="Cost" value={usd(totals.cost_usd)} testId="tile-cost" />
      </div>
      <h3 id="now">Now</h3>
      <div class="tiles many" role="group" aria-labelledby="now">
        <Tile label="Running" value={count(current.running)} href={href.runs({ status: 'running' })} testId="tile-running" />
        {PARKED.map((status) => (
          <Tile
            label={status.replaceAll('_', ' ')}
            value={count(current.parked[status])}
            href={href.runs({ status })}
            testId={`tile-${status}`}
          />
        ))}
      </div>
      <section class="card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts</h2>
        <Alerts alerts={data.alerts} />
      </section>
      <div class="grid">
        <section class="card">
          <TimeChart
            title={`Runs ${per}`}
            times={times}
            stacked
            series={[
              { label: 'started', values: series.map((b) => b.started), color: COLORS.started },
              { label: 'completed', values: series.map((b) => b.completed), color: COLORS.completed, bars: true },
              { label: 'failed', values: series.map((b) => b.failed), color: COLORS.failed, bars: true },
              { label: 'cancelled', values: series.map((b) => b.cancelled), color: COLORS.cancelled, bars: true },
            ]}
            format={count}
            whole
            testId="chart-runs"
          />
        </section>
        <section class="card">
          <TimeChart
            title={`Failure rate ${per}`}
            times={times}
            series={[{ label: 'failed', values: series.map(failureRate), color: COLORS.failed }]}
            format={percent}
            testId="chart-failure-rate"
          />
        </section>
        <section class="card">
          <TimeChart
            title={`Step duration ${per}`}
            times={times}
            series={[
              { label: 'p50', values: series.map((b) => b.step.p50_ms), color: COLORS.p50 },
              { label: 'p95', values: series.map((b) => b.step.p95_ms), color: COLORS.p95 },
            ]}
            format={duration}
            whole
            testId="chart-step"
          />
        </section>
        <section class="card">
          <TimeChart
            title={`Queue wait ${per}`}
            times={times}
            series={[
              { label: 'p50', values: series.map((b) => b.wait.p50_ms), color: COLORS.p50 },
              { label: 'p95', values: series.map((b) => b.wait.p95_ms), color: COLORS.p95 },
            ]}
            format={duration}
            whole
            testId="chart-wait"
          />
        </section>
        <section class="card">
          <TokensChart times={times} buckets={series} per={per} testId="chart-tokens" />
        </section>
        <section class="card">
          <CostChart times={times} buckets={series} per={per} testId="chart-cost" />
        </section>
      </div>
    </div>
  );
}

/** Failed ÷ finished in one bucket; a gap where nothing finished. */
const failureRate = (b: { completed: number; failed: number; cancelled: number }): number | null => {
  const finished = b.completed + b.failed + b.cancelled;
  return finished === 0 ? null : b.failed / finished;
};

function Alerts({ alerts }: { alerts: DashboardAlert[] }) {
  if (alerts.length === 0)
    return (
      <p class="muted" data-testid="alerts-none">
        Nothing needs a look.
      </p>
    );
  return (
    <ul class="alerts" data-testid="alerts">
      {alerts.map((alert) => (
        <li class={`alert-${alert.kind}`} data-testid={`alert-${alert.kind}`}>
          <span>{alert.message}</span> <AlertLink alert={alert} />
        </li>
      ))}
    </ul>
  );
}

function AlertLink({ alert }: { alert: DashboardAlert }) {
  switch (alert.kind) {
    case 'stuck_execution':
      return <a href={href.run(alert.execution_id)}>Open run …{shortId(alert.execution_id)}</a>;
    case 'failing_agent_type':
      return <a href={href.runs({ agent_type: alert.agent_type, status: 'failed' })}>Failed {alert.agent_type} runs</a>;
    case 'budget_near_limit':
      return <a href={href.usage()}>Budgets</a>;
  }
}
