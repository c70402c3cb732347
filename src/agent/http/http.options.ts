import type { ServerOptions } from 'socket.io';

/** The parts of the library a host can mount or leave out, each a set of routes. */
export const AgentRouteGroup = {
  /** `/api/agents`: start, read, control, its SSE stream, limits, realtime tokens. */
  Executions: 'executions',
  /** `/api/conversations`. */
  Conversations: 'conversations',
  /** `/api/pipelines`. */
  Pipelines: 'pipelines',
  /** `/api/schedules`. */
  Schedules: 'schedules',
  /** `/api/usage` and `/api/admin/budgets`. */
  Usage: 'usage',
  /** `/api/admin/agents`, `/api/admin/conversations`, `/api/admin/pipelines`. */
  Admin: 'admin',
  /** `POST /webhooks/agent-trigger`. */
  Webhooks: 'webhooks',
  /** The Socket.IO gateway (`realtime.namespace`). */
  Realtime: 'realtime',
  /** Prometheus at `observability.metricsPath`. */
  Metrics: 'metrics',
  /** The health check at `observability.healthPath`. */
  Health: 'health',
  /** The admin dashboard at `dashboard.path` and its session routes (when `dashboard.enabled`). */
  Dashboard: 'dashboard',
  /** The OpenAPI document and its Swagger UI page at `openapi.path`. */
  OpenApi: 'openapi',
} as const;
export type AgentRouteGroup = (typeof AgentRouteGroup)[keyof typeof AgentRouteGroup];
export const ALL_ROUTE_GROUPS: readonly AgentRouteGroup[] = Object.values(AgentRouteGroup);

export interface HttpOptions {
  /**
   * Put in front of the REST API and the webhook (`<prefix>/api/agents`, `<prefix>/webhooks/…`);
   * default none. The app's global prefix and `RouterModule` add theirs as to any controller.
   */
  prefix?: string;
  /**
   * What the module mounts: `true` (default) every route group, `false` none (services only: your
   * controllers call `AgentManager`), or a list of groups (`AgentRouteGroup`).
   */
  routes?: boolean | AgentRouteGroup[];
}

export interface ResolvedHttpOptions {
  http: {
    /** '' or `segment(/segment)*`, no leading or trailing slash. */
    prefix: string;
    routes: ReadonlySet<AgentRouteGroup>;
  };
}

/** Socket.IO's own CORS settings for the gateway's namespace. */
export type GatewayCors = ServerOptions['cors'];

export function resolveHttpOptions(input: HttpOptions | undefined, problems: string[]): ResolvedHttpOptions {
  const prefix = (input?.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const isPath = /^([A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)?$/.test(prefix);
  if (typeof input?.prefix !== 'undefined' && (typeof input.prefix !== 'string' || !isPath)) {
    problems.push("http.prefix must be a path such as 'v1' or 'ai/v1'");
  }
  const routes = input?.routes ?? true;
  if (typeof routes === 'boolean') return { http: { prefix, routes: new Set(routes ? ALL_ROUTE_GROUPS : []) } };
  if (!Array.isArray(routes) || routes.some((g) => !ALL_ROUTE_GROUPS.includes(g))) {
    problems.push(`http.routes must be true, false or a list of ${ALL_ROUTE_GROUPS.join(', ')}`);
    return { http: { prefix, routes: new Set() } };
  }
  return { http: { prefix, routes: new Set(routes) } };
}
