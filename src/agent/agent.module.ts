import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AgentCoreModule } from './agent-core.module.js';
import { AGENT_ENTITIES } from './agent.entities.js';
import { AGENT_ASYNC_OPTIONS_TYPE, AGENT_MODULE_OPTIONS, AGENT_OPTIONS_TYPE, ConfigurableAgentModule } from './agent.module-definition.js';
import { resolveAgentOptions, type AgentModuleOptions } from './agent.options.js';
import { AGENT_OPTIONS } from './infrastructure/agent-options.token.js';
import { AGENT_SCHEMA, type AgentSchema } from './infrastructure/agent-schema.js';
import { AGENT_MIGRATIONS } from './migrations/agent-migrations.js';
import { ExecutionsModule } from './executions/executions.module.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { RealtimeModule } from './realtime/realtime.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { ConversationsModule } from './conversations/conversations.module.js';
import { ChatModule } from './chat/chat.module.js';
import { PipelinesModule } from './pipelines/pipelines.module.js';
import { HooksModule } from './hooks/hooks.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { SubagentsModule } from './subagents/subagents.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { ThrottlingModule } from './throttling/throttling.module.js';
import { BillingModule } from './billing/billing.module.js';
import { TenancyModule } from './tenancy/tenancy.module.js';
import { WorkspacesModule } from './workspaces/workspaces.module.js';
import { createAgentRoutes, endpointsModule, routeProviders } from './agent.routes.js';

/** Defaults and validation happen here, once: an invalid option stops the boot with a list of what to fix. */
const resolvedOptionsProvider: Provider = {
  provide: AGENT_OPTIONS,
  inject: [AGENT_MODULE_OPTIONS],
  useFactory: (options: AgentModuleOptions) => resolveAgentOptions(options),
};

/** The features' tables and the migrations that make them, for the infrastructure to open and migrate the database. */
const schemaProvider: Provider = {
  provide: AGENT_SCHEMA,
  useValue: { entities: AGENT_ENTITIES, migrations: AGENT_MIGRATIONS } satisfies AgentSchema,
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

/**
 * The options (and what the host's `forRootAsync` imports to make them) go to the global core
 * module; `AgentModule` composes the features and is global when `isGlobal` (default) says so.
 */
function compose(base: DynamicModule): DynamicModule {
  const core: DynamicModule = {
    module: AgentCoreModule,
    global: true,
    imports: base.imports ?? [],
    providers: [...(base.providers ?? []), resolvedOptionsProvider, schemaProvider],
    exports: [AGENT_OPTIONS, AGENT_SCHEMA],
  };
  const routes = createAgentRoutes();
  return {
    module: base.module,
    global: base.global,
    imports: [
      core,
      InfrastructureModule,
      ExecutionsModule,
      RealtimeModule,
      WebhooksModule,
      MaintenanceModule,
      ConversationsModule,
      ChatModule,
      PipelinesModule,
      SubagentsModule,
      SchedulesModule,
      HooksModule,
      ObservabilityModule,
      DashboardModule,
      ThrottlingModule,
      BillingModule,
      TenancyModule,
      WorkspacesModule,
      endpointsModule(routes),
    ],
    // NOTE: declared here, so a `RouterModule` entry for AgentModule moves the REST API.
    controllers: routes.api.map((r) => r.controller),
    providers: routeProviders(routes),
    // NOTE: InfrastructureModule for the queues under `@nestjs/bullmq`'s tokens (`@InjectQueue`);
    // ThrottlingModule so every library controller (and a host's) can take AgentThrottlerGuard.
    exports: [
      InfrastructureModule,
      ExecutionsModule,
      MaintenanceModule,
      ConversationsModule,
      ChatModule,
      PipelinesModule,
      SchedulesModule,
      HooksModule,
      ObservabilityModule,
      ThrottlingModule,
    ],
  };
}
