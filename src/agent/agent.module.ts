import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AGENT_OPTIONS } from './agent.constants.js';
import {
  AGENT_ASYNC_OPTIONS_TYPE,
  AGENT_MODULE_OPTIONS,
  AGENT_OPTIONS_TYPE,
  ConfigurableAgentModule,
} from './agent.module-definition.js';
import { resolveAgentOptions, type AgentModuleOptions } from './agent.options.js';
import { ExecutionsModule } from './executions/executions.module.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { AdminModule } from './admin/admin.module.js';
import { SignalsModule } from './signals/signals.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { ConversationsModule } from './conversations/conversations.module.js';
import { PipelinesModule } from './pipelines/pipelines.module.js';
import { SubagentsModule } from './subagents/subagents.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { BillingModule } from './billing/billing.module.js';
import { TenancyModule } from './tenancy/tenancy.module.js';
import { createAgentRoutes, endpointsModule, routeProviders } from './agent.routes.js';

/** Defaults and validation happen here, once: an invalid option stops the boot with a list of what to fix. */
const resolvedOptionsProvider: Provider = {
  provide: AGENT_OPTIONS,
  inject: [AGENT_MODULE_OPTIONS],
  useFactory: (options: AgentModuleOptions) => resolveAgentOptions(options),
};

/**
 * Durable agent executions for a Nest app.
 * @example
 * AgentModule.forRoot({
 *   database: { url: 'postgres://localhost/app' },
 *   transport: 'redis',
 *   redis: { url: 'redis://localhost:6379' },
 *   resolvePrincipal: (req) => principalFromJwt(req),
 * })
 */
@Module({})
export class AgentModule extends ConfigurableAgentModule {
  static forRoot(options: typeof AGENT_OPTIONS_TYPE): DynamicModule {
    return compose(super.forRoot(options));
  }

  static forRootAsync(options: typeof AGENT_ASYNC_OPTIONS_TYPE): DynamicModule {
    return compose(super.forRootAsync(options));
  }
}

/** Global, so the feature modules it composes read the options without importing it back. */
function compose(base: DynamicModule): DynamicModule {
  const routes = createAgentRoutes();
  return {
    ...base,
    global: true,
    imports: [
      ...(base.imports ?? []),
      InfrastructureModule,
      ExecutionsModule,
      RealtimeModule,
      AdminModule,
      SignalsModule,
      MaintenanceModule,
      ConversationsModule,
      PipelinesModule,
      SubagentsModule,
      ObservabilityModule,
      DashboardModule,
      BillingModule,
      TenancyModule,
      endpointsModule(routes),
    ],
    // NOTE: declared here, so a `RouterModule` entry for AgentModule moves the REST API.
    controllers: routes.api.map((r) => r.controller),
    providers: [...(base.providers ?? []), resolvedOptionsProvider, ...routeProviders(routes)],
    exports: [AGENT_OPTIONS, ExecutionsModule, MaintenanceModule, ConversationsModule, PipelinesModule, ObservabilityModule],
  };
}
