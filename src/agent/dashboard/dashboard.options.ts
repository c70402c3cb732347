export interface DashboardOptions {
  /** Serve the admin dashboard (default false). Admins only; see the README's security section. */
  enabled?: boolean;
  /** Where the page is served (default `/agents-dashboard`); bull-board is under `<path>/queues`. */
  path?: string;
}

export interface ResolvedDashboardOptions {
  dashboard: Required<DashboardOptions>;
}

export function resolveDashboardOptions(input: DashboardOptions | undefined, problems: string[]): ResolvedDashboardOptions {
  const dashboard = { enabled: input?.enabled ?? false, path: input?.path ?? '/agents-dashboard' };
  if (typeof dashboard.enabled !== 'boolean') problems.push('dashboard.enabled must be a boolean');
  const path = dashboard.path;
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9_.-]+)+$/.test(path) || /^\/(api|socket\.io)(\/|$)/.test(path)) {
    problems.push("dashboard.path must be a path such as '/agents-dashboard' (no trailing slash, not under /api or /socket.io)");
  }
  return { dashboard };
}
