import type { DashboardOverview, DashboardQueues, DashboardUsage, StatsWindow } from './dashboard-types.js';
import type { Http } from './http.js';

/**
 * The dashboard's charts (`/api/admin/dashboard/…`, admin role), for the caller's tenant: reached as
 * `client.admin.dashboard`. Each takes a window: the last hour in 1-minute buckets (the default),
 * the last day in 10-minute ones, the last week in hours; the newest bucket is still filling.
 *
 * @example
 * const { series, current, alerts } = await client.admin.dashboard.overview('day');
 */
export class AdminDashboardClient {
  constructor(private readonly http: Http) {}

  /** Runs started and ended, steps, queue waits, tokens and cost per bucket; what runs and waits now; alerts. */
  overview(window?: StatsWindow): Promise<DashboardOverview> {
    return this.http.request('GET', '/api/admin/dashboard/overview', { query: { window } });
  }

  /** Each queue's depth now, the tenant's leases, ends and queue waits on it per bucket, and its workers. */
  queues(window?: StatsWindow): Promise<DashboardQueues> {
    return this.http.request('GET', '/api/admin/dashboard/queues', { query: { window } });
  }

  /** Tokens and cost per bucket, by model and by user over the window, and the tenant's budgets this month. */
  usage(window?: StatsWindow): Promise<DashboardUsage> {
    return this.http.request('GET', '/api/admin/dashboard/usage', { query: { window } });
  }
}
