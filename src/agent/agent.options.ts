import { resolveChatOptions, type ChatOptions, type ResolvedChatOptions } from './chat/chat.options.js';
import { resolveBillingOptions, type BillingOptions, type ResolvedBillingOptions } from './billing/billing.options.js';
import {
  resolveConversationOptions,
  type ConversationOptions,
  type ResolvedConversationOptions,
} from './conversations/conversation.options.js';
import { resolveDashboardOptions, type DashboardOptions, type ResolvedDashboardOptions } from './dashboard/dashboard.options.js';
import { InvalidAgentOptionsError } from './errors/invalid-agent-options.error.js';
import {
  resolveEventOptions,
  resolveExecutionOptions,
  type ExecutionOptions,
  type ResolvedExecutionOptions,
} from './executions/executions.options.js';
import { resolveHttpOptions, type HttpOptions, type ResolvedHttpOptions } from './http/http.options.js';
import {
  resolveConnectionOptions,
  resolveQueueOptions,
  type InfrastructureOptions,
  type ResolvedInfrastructureOptions,
} from './infrastructure/infrastructure.options.js';
import { resolveMaintenanceOptions, type MaintenanceOptions, type ResolvedMaintenanceOptions } from './maintenance/maintenance.options.js';
import {
  resolveObservabilityOptions,
  type ObservabilityOptions,
  type ResolvedObservabilityOptions,
} from './observability/observability.options.js';
import { resolveOpenApiOptions, type OpenApiOptions, type ResolvedOpenApiOptions } from './openapi/openapi.options.js';
import { resolvePipelineOptions, type PipelineOptions, type ResolvedPipelineOptions } from './pipelines/pipeline.options.js';
import {
  resolveHostEventOptions,
  resolveRealtimeOptions,
  type HostEventOptions,
  type RealtimeOptions,
  type ResolvedRealtimeOptions,
} from './realtime/realtime.options.js';
import { resolveHookOptions, type HookOptions, type ResolvedHookOptions } from './hooks/hook.options.js';
import { resolveScheduleOptions, type ResolvedScheduleOptions, type ScheduleOptions } from './schedules/schedule.options.js';
import { resolveSubagentOptions, type ResolvedSubagentOptions, type SubagentOptions } from './subagents/subagent.options.js';
import { resolvePrincipalOption, resolveTierOptions, type ResolvedTenancyOptions, type TenancyOptions } from './tenancy/tenancy.options.js';
import { resolveWebhookOptions, type ResolvedWebhookOptions, type WebhookOptions } from './webhooks/webhook.options.js';
import { resolveWorkspaceOptions, type ResolvedWorkspaceOptions, type WorkspaceOptions } from './workspaces/workspace.options.js';

export { InvalidAgentOptionsError };

/**
 * `AgentModule.forRoot()`'s options: each feature's own (type, defaults and checks live in its
 * folder's `*.options.ts`), composed.
 */
export interface AgentModuleOptions extends InfrastructureOptions, TenancyOptions, ExecutionOptions {
  realtime?: RealtimeOptions;
  /** Scheduled recovery of stuck executions and cleanup of old rows (SPEC §14). */
  maintenance?: MaintenanceOptions;
  /** `@OnEvent('agent.execution.completed')` and friends, through `@nestjs/event-emitter`. */
  hostEvents?: HostEventOptions;
  webhooks?: WebhookOptions;
  /** Per-execution workspaces and the sandboxed `bash` tool (SPEC §13). */
  workspaces?: WorkspaceOptions;
  /** SPEC §9. */
  conversations?: ConversationOptions;
  /** The AI SDK chat stream of conversations (SPEC §17): how long token deltas stay buffered for resumes. */
  chat?: ChatOptions;
  /** SPEC §10. */
  pipelines?: PipelineOptions;
  /** SPEC §11. */
  subagents?: SubagentOptions;
  /** Recurring cron schedules of agent starts. */
  schedules?: ScheduleOptions;
  /** Signed HTTP callbacks on completion, failure and awaiting input. */
  hooks?: HookOptions;
  /** Usage records, pricing and budgets (SPEC §12). */
  billing?: BillingOptions;
  /** Metrics and health endpoints (SPEC §15); spans go to the host's OpenTelemetry SDK, if it installs one. */
  observability?: ObservabilityOptions;
  /** The admin dashboard page and bull-board (SPEC §16); off unless enabled. */
  dashboard?: DashboardOptions;
  /** Where the routes are mounted, and which (see `AgentRouteGroup`). */
  http?: HttpOptions;
  /** The OpenAPI document of the routes and its Swagger UI page (default at `api/docs`). */
  openapi?: OpenApiOptions;
}

/**
 * The options with every default filled in: the only shape services see, each service typed as the
 * part it reads (`ResolvedConversationOptions`, `ResolvedExecutionOptions`, …).
 */
export interface ResolvedAgentOptions
  extends
    ResolvedInfrastructureOptions,
    ResolvedTenancyOptions,
    ResolvedExecutionOptions,
    ResolvedRealtimeOptions,
    ResolvedHttpOptions,
    ResolvedWorkspaceOptions,
    ResolvedWebhookOptions,
    ResolvedMaintenanceOptions,
    ResolvedConversationOptions,
    ResolvedChatOptions,
    ResolvedPipelineOptions,
    ResolvedSubagentOptions,
    ResolvedScheduleOptions,
    ResolvedHookOptions,
    ResolvedBillingOptions,
    ResolvedObservabilityOptions,
    ResolvedDashboardOptions,
    ResolvedOpenApiOptions {
  /**
   * The features that can be left out, on or off (`conversations.enabled` and the like; all on by
   * default): one that is off mounts no route and registers no settlement handler.
   */
  features: {
    conversations: boolean;
    pipelines: boolean;
    subagents: boolean;
    webhooks: boolean;
    billingRoutes: boolean;
    schedules: boolean;
  };
}

/** Each feature merges its defaults and checks its options; any problem stops the boot, all of them listed. */
export function resolveAgentOptions(options: AgentModuleOptions): ResolvedAgentOptions {
  const problems: string[] = [];
  const o = (options ?? {}) as Partial<AgentModuleOptions>;

  // NOTE: in this order, so the problems are listed as they always were (what to connect to and the
  // principal first, then each feature roughly from the kernel outwards).
  const connections = resolveConnectionOptions(o, problems);
  const principal = resolvePrincipalOption(o, problems);
  const queues = resolveQueueOptions(o, problems);
  const execution = resolveExecutionOptions(o, problems);
  const realtime = resolveRealtimeOptions(o.realtime, problems);
  const http = resolveHttpOptions(o.http, problems);
  const tiers = resolveTierOptions(o, problems);
  const events = resolveEventOptions(o.events, problems);
  const hostEvents = resolveHostEventOptions(o.hostEvents, problems);
  const webhooks = resolveWebhookOptions(o.webhooks, problems);
  const maintenance = resolveMaintenanceOptions(o.maintenance, execution.lease, problems);
  const workspaces = resolveWorkspaceOptions(o.workspaces, problems);
  const conversations = resolveConversationOptions(o.conversations, problems);
  const chat = resolveChatOptions(o.chat, problems);
  const pipelines = resolvePipelineOptions(o.pipelines, problems);
  const subagents = resolveSubagentOptions(o.subagents, problems);
  const schedules = resolveScheduleOptions(o.schedules, problems);
  const hooks = resolveHookOptions(o.hooks, problems);
  const observability = resolveObservabilityOptions(o.observability, problems);
  const billing = resolveBillingOptions(o.billing, problems);
  const dashboard = resolveDashboardOptions(o.dashboard, execution.lease, problems);
  const openapi = resolveOpenApiOptions(o.openapi, problems);

  if (problems.length > 0) throw new InvalidAgentOptionsError(problems);

  return {
    ...connections,
    ...principal,
    ...queues,
    ...execution,
    ...events,
    ...realtime,
    ...hostEvents,
    ...http,
    ...tiers,
    ...workspaces,
    ...maintenance,
    ...webhooks,
    ...conversations,
    ...chat,
    ...pipelines,
    ...subagents,
    ...schedules,
    ...hooks,
    ...observability,
    ...dashboard,
    ...billing,
    ...openapi,
    // NOTE: each switchable feature gives its own key of `features`; spread above, the last would win.
    features: {
      ...webhooks.features,
      ...conversations.features,
      ...pipelines.features,
      ...subagents.features,
      ...billing.features,
      ...schedules.features,
    },
  };
}
