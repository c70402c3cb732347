import { Logger, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { AdminExecutionsController } from './executions/http/admin-executions.controller.js';
import type { ResolvedAgentOptions } from './agent.options.js';
import { BudgetsAdminController, UsageController } from './billing/usage.controller.js';
import { AdminConversationsController } from './conversations/admin-conversations.controller.js';
import { ConversationsController } from './conversations/conversations.controller.js';
import { ChatController } from './chat/chat.controller.js';
import { DashboardPageController } from './dashboard/dashboard-page.controller.js';
import { DashboardSessionController } from './dashboard/dashboard-session.controller.js';
import { DashboardStatsController } from './dashboard/stats/dashboard-stats.controller.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { ExecutionsController } from './executions/http/executions.controller.js';
import { AgentRouteGroup } from './http/http.options.js';
import { AGENT_OPTIONS } from './infrastructure/agent-options.token.js';
import {
  declaredPath,
  joinPath,
  mountGateway,
  mountRoutes,
  MOUNTED_ROUTES,
  ownClass,
  type RouteDefinition,
} from './http/mounted-routes.js';
import { RouteCollisionCheck } from './http/route-collisions.js';
import { TenancyModule } from './tenancy/tenancy.module.js';
import { AdminQueuesController } from './observability/admin-queues.controller.js';
import { HealthController } from './observability/health.controller.js';
import { MetricsController } from './observability/metrics.controller.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { AdminPipelinesController } from './pipelines/admin-pipelines.controller.js';
import { PipelinesController } from './pipelines/pipelines.controller.js';
import { AgentsGateway } from './realtime/agents.gateway.js';
import { AdminExecutionStreamController, ExecutionStreamController } from './realtime/execution-stream.controller.js';
import { AdminHooksController, HooksController } from './hooks/hooks.controller.js';
import { AdminSchedulesController } from './schedules/admin-schedules.controller.js';
import { SchedulesController } from './schedules/schedules.controller.js';
import { WebhookController } from './webhooks/webhook.controller.js';
import { AgentOpenApiDocument } from './openapi/openapi-document.js';
import { OpenApiJsonController, OpenApiPageController } from './openapi/openapi.controller.js';

/**
 * Every route the library serves, made for one `AgentModule` import:
 * - `api`: the REST API and the webhook, declared in `AgentModule` itself, so `http.prefix` and a
 *   `RouterModule` entry for `AgentModule` move them together;
 * - `endpoints`: health and the dashboard page, and metrics through `PrometheusModule`, at paths of
 *   their own (`observability.*Path`, `dashboard.path`), in a module of their own that neither moves;
 * - the Socket.IO gateway.
 * Where each is mounted, if at all, is written at boot from the options (`mountRoutes`).
 */
export interface AgentRoutes {
  api: RouteDefinition<ResolvedAgentOptions>[];
  endpoints: RouteDefinition<ResolvedAgentOptions>[];
  metrics: Type<MetricsController>;
  gateway: Type<AgentsGateway>;
}

export function createAgentRoutes(): AgentRoutes {
  type Route = RouteDefinition<ResolvedAgentOptions>;
  const api = (group: AgentRouteGroup, base: Type, when: (o: ResolvedAgentOptions) => boolean = () => true): Route => ({
    group,
    controller: ownClass(base),
    path: (o) => (when(o) ? joinPath(o.http.prefix, declaredPath(base)) : null),
  });
  return {
    api: [
      api(AgentRouteGroup.Executions, ExecutionsController),
      api(AgentRouteGroup.Executions, ExecutionStreamController),
      api(AgentRouteGroup.Executions, HooksController),
      api(AgentRouteGroup.Conversations, ConversationsController, (o) => o.features.conversations),
      api(AgentRouteGroup.Conversations, ChatController, (o) => o.features.conversations),
      api(AgentRouteGroup.Pipelines, PipelinesController, (o) => o.features.pipelines),
      api(AgentRouteGroup.Schedules, SchedulesController, (o) => o.features.schedules),
      api(AgentRouteGroup.Usage, UsageController, (o) => o.features.billingRoutes),
      api(AgentRouteGroup.Usage, BudgetsAdminController, (o) => o.features.billingRoutes),
      // NOTE: before the executions' `:id` routes, which would take `queues` for an id on Express.
      api(AgentRouteGroup.Admin, AdminQueuesController),
      api(AgentRouteGroup.Admin, AdminExecutionsController),
      api(AgentRouteGroup.Admin, AdminExecutionStreamController),
      api(AgentRouteGroup.Admin, AdminHooksController),
      api(AgentRouteGroup.Admin, AdminConversationsController, (o) => o.features.conversations),
      api(AgentRouteGroup.Admin, AdminPipelinesController, (o) => o.features.pipelines),
      api(AgentRouteGroup.Admin, AdminSchedulesController, (o) => o.features.schedules),
      api(AgentRouteGroup.Webhooks, WebhookController, (o) => o.features.webhooks),
      api(AgentRouteGroup.Dashboard, DashboardSessionController, (o) => o.dashboard.enabled),
      api(AgentRouteGroup.Dashboard, DashboardStatsController, (o) => o.dashboard.enabled),
      {
        group: AgentRouteGroup.OpenApi,
        controller: ownClass(OpenApiJsonController),
        path: (o) => (o.openapi.path === null ? null : `${joinPath(o.http.prefix, o.openapi.path)}-json`),
      },
      {
        group: AgentRouteGroup.OpenApi,
        controller: ownClass(OpenApiPageController),
        path: (o) => (o.openapi.path === null ? null : joinPath(o.http.prefix, o.openapi.path)),
      },
    ],
    endpoints: [
      { group: AgentRouteGroup.Health, controller: ownClass(HealthController), path: (o) => o.observability.healthPath || null },
      {
        group: AgentRouteGroup.Dashboard,
        controller: ownClass(DashboardPageController),
        path: (o) => (o.dashboard.enabled ? o.dashboard.path : null),
      },
    ],
    metrics: ownClass(MetricsController),
    gateway: ownClass(AgentsGateway),
  };
}

/** Mounts every route and the gateway from the resolved options, once, while providers are made. */
export function mountProvider(routes: AgentRoutes): Provider {
  return {
    provide: MOUNTED_ROUTES,
    inject: [AGENT_OPTIONS],
    useFactory: (options: ResolvedAgentOptions) => {
      mountGateway(routes.gateway, options);
      const metricsPath = options.http.routes.has(AgentRouteGroup.Metrics) ? options.observability.metricsPath || null : null;
      return [
        ...mountRoutes([...routes.api, ...routes.endpoints], options),
        { group: AgentRouteGroup.Metrics, controller: routes.metrics, path: metricsPath },
      ];
    },
  };
}

/** The providers `AgentModule` adds for its routes: the gateway, their mounting, the collision check and the OpenAPI document. */
export const routeProviders = (routes: AgentRoutes): Provider[] => [
  routes.gateway,
  mountProvider(routes),
  RouteCollisionCheck,
  AgentOpenApiDocument,
];

/** Health, the dashboard page and metrics: routes at paths of their own, outside `AgentModule`. */
@Module({})
class AgentEndpointsModule {}

export function endpointsModule(routes: AgentRoutes): DynamicModule {
  return {
    module: AgentEndpointsModule,
    imports: [ObservabilityModule, DashboardModule, TenancyModule, metricsModule(routes.metrics)],
    controllers: routes.endpoints.map((r) => r.controller),
  };
}

/**
 * `PrometheusModule` serving the default registry through our controller at `metricsPath`, unless
 * the app has a `PrometheusModule` of its own: that one then serves our metrics with its own.
 */
function metricsModule(controller: Type<MetricsController>): DynamicModule {
  return PrometheusModule.registerAsync({
    imports: [ObservabilityModule],
    controller,
    inject: [AGENT_OPTIONS, ModulesContainer],
    useFactory: (options: ResolvedAgentOptions, modules: ModulesContainer) => {
      const wanted = options.http.routes.has(AgentRouteGroup.Metrics) ? options.observability.metricsPath : false;
      const hosts = wanted ? hostPrometheusControllers(modules, controller) : [];
      if (hosts.length > 0)
        new Logger('AgentModule').log(`Metrics are served by the app's own PrometheusModule (${hosts.join(', ')}), not at ${wanted}`);
      // NOTE: PrometheusModule writes `path` as the controller's path; an empty list mounts nothing.
      const path = wanted && hosts.length === 0 ? wanted : ([] as unknown as string);
      return { controller, path, defaultMetrics: { enabled: false } };
    },
  });
}

function hostPrometheusControllers(modules: ModulesContainer, ours: Type): string[] {
  const found: string[] = [];
  for (const module of modules.values()) {
    for (const { metatype } of module.controllers.values()) {
      const controller = metatype as Type | null;
      if (
        controller &&
        controller !== ours &&
        (controller === PrometheusController || controller.prototype instanceof PrometheusController)
      )
        found.push(controller.name);
    }
  }
  return found;
}
