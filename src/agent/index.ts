// The package's public API: nothing else is imported from outside.
export { AgentModule } from './agent.module.js';
export type { AgentModuleOptions } from './agent.options.js';
export { InvalidAgentOptionsError } from './errors/invalid-agent-options.error.js';
export type { DatabaseOptions, RedisOptions, Transport, WorkerOptions } from './infrastructure/infrastructure.options.js';
export type { LeaseOptions } from './executions/executions.options.js';
export type { HostEventOptions } from './realtime/realtime.options.js';
export type { MaintenanceOptions } from './maintenance/maintenance.options.js';
export { runMigrationsUnderLock } from './infrastructure/agents-database.js';
export { QueueName } from './infrastructure/queue-names.js';
export { AGENT_ENTITIES } from './agent.entities.js';
export { AGENT_MIGRATIONS } from './migrations/agent-migrations.js';
export { AGENT_MIGRATIONS_TABLE } from './migrations/agent-migrations-table.js';

export { Agent } from './executions/registry/agent.decorator.js';
export { AgentRegistry, type RegisteredAgent } from './executions/registry/agent-registry.js';
export { AgentManager, type StartItem, type StartOutcome } from './executions/lifecycle/agent-manager.js';
export type { StartOptions } from './executions/lifecycle/start-options.js';
export { ExecutionReader, type Page } from './executions/http/execution-reader.js';
export { ExecutionTranscript, type TranscriptPage } from './executions/http/execution-transcript.js';
export type { ToolCallView, ToolResultView, TranscriptEntryView, TranscriptView } from './executions/http/transcript.view.js';
export { ExecutionTimeline, TIMELINE_MAX_ROWS } from './executions/http/execution-timeline.js';
export type { ExecutionTimelineView, TimelineCallView, TimelineGapView, TimelineStepView } from './executions/http/timeline.view.js';
export { BulkCancelOutcome, type BulkCancelLine } from './executions/lifecycle/bulk-cancel.js';
export type { ExecutionFilter } from './executions/http/execution-list-query.js';
export { ExecutionEvents, type ExecutionEvent } from './executions/execution-events.js';
export { ExecutionEventName } from './execution-event-names.js';
// NOTE: these two also bring the features' entries of `ExecutionEventMap` into a host's types.
export type { ConversationUpdatedEvent } from './conversations/conversation-events.js';
export type { PipelineUpdatedEvent } from './pipelines/pipeline-events.js';
export {
  AgentEvent,
  executionStatusEvent,
  type AgentConversationTurnEvent,
  type AgentEventPayload,
  type AgentExecutionStatusEvent,
  type AgentPipelineEvent,
  type AgentStepCompletedEvent,
  type AnyAgentEvent,
} from './realtime/agent-events.js';
export { ExecutionStatus, FailureCode, TERMINAL_STATUSES, type ExecutionError } from './executions/execution-status.js';
export { AgentExecutionEntity } from './executions/entities/agent-execution.entity.js';
export { toExecutionView, type ExecutionView, type LogView } from './executions/http/execution.view.js';

export { ADMIN_ROLE, type Principal, type PrincipalResolver } from './tenancy/principal.js';
export { AgentError, IdempotencyKeyReusedError, InvalidInputError, NotRetryableError, StartItemError } from './errors/agent.errors.js';
export { AgentErrorCode } from './errors/agent-error-code.js';
export { AgentExceptionFilter } from './http/agent-exception.filter.js';
export { AgentHttpException, toHttpException, type ErrorBody } from './http/agent-http-exception.js';
export { AgentRouteGroup, type GatewayCors, type HttpOptions } from './http/http.options.js';
export { RouteCollisionError, type RouteCollision } from './http/route-collisions.js';
export { RequestReceivedAt, RequestReceivedGuard } from './http/request-received.js';
export { StorableInputGuard } from './http/storable-input.guard.js';
export { MAX_INPUT_DEPTH } from './http/storable-input.js';

export {
  defineAgent,
  type AgentDefinition,
  type AgentInput,
  type AgentLimits,
  type AgentStepper,
  type AgentTypeSettings,
} from './runtime/agent-definition.js';
export type { FieldIssue } from './runtime/schemas/input-validation.js';
export type { AgentTypeView } from './executions/http/agent-type.view.js';
export { MessageRole, type AgentMessage, type AgentState, type TokenUsage } from './runtime/agent-state.js';
export { LogLevel, type ModelUsage, type StepContext, type StepLogger } from './runtime/step-context.js';
export { LogEventType } from './runtime/log-event-type.js';
export { step, StepOutcome, type SleepDuration, type StepResult } from './runtime/step-result.js';
export { approvalResponseMessage, type ToolApprovalDecision, type ApprovalRequest } from './runtime/tool-approval.js';
export type { PendingApproval } from './executions/pending-approvals.js';
export { ApprovalNotFoundError, ApprovalNotPendingError, ApprovalsPendingError } from './errors/tool-approval.errors.js';
export type { JsonObject, JsonValue } from './runtime/json.js';
export { defineLlmAgent, type LlmAgentSettings } from './runtime/llm-agent.js';
export {
  createScriptedModel,
  defaultScript,
  type Script,
  type ScriptedCall,
  type ScriptedModelOptions,
  type ScriptedTurn,
} from './runtime/scripted-model.js';
export { createOpenAiCompatibleModel, type OpenAiCompatibleModelOptions } from './runtime/openai-compatible.js';
export { RetryableError } from './runtime/retryable-error.js';
export type { ToolReceipt } from './runtime/tools/tool-receipts.js';
export { RecoveryService, type RecoveryReport } from './executions/lifecycle/recovery.service.js';
export type { ControlResult } from './executions/lifecycle/execution-controls.js';
export { TierPolicies } from './tenancy/tier-policies.js';
export { DEFAULT_TIERS, type SandboxPolicy, type TierPolicy, type TierPolicyInput } from './tenancy/tier-policy.js';
export { AdminGuard, PrincipalGuard, CurrentPrincipal } from './tenancy/principal.guard.js';
export { scopeFor, ownScope, type Scope } from './tenancy/scope.js';
export { EventTriggerService, type TriggerResult, type TriggerTarget } from './executions/lifecycle/event-trigger.service.js';
export { MaintenanceService, type CleanupRequest, type RecoverStuckRequest } from './maintenance/maintenance.service.js';
export { MaintenanceCrons, maintenanceCronName, type ScheduledMaintenance } from './maintenance/maintenance-crons.js';
export { InvalidMaintenanceRequestError } from './maintenance/maintenance.errors.js';
export {
  MaintenanceJob,
  type CleanupReport,
  type MaintenanceReport,
  type RecoverStuckReport,
  type SkippedReport,
} from './maintenance/maintenance-report.js';
export {
  describeMaintenanceReport,
  exitCodeOf,
  MAINTENANCE_USAGE,
  MaintenanceExitCode,
  MaintenanceUsageError,
  parseMaintenanceCommand,
  runMaintenanceCommand,
  type MaintenanceCommand,
} from './maintenance/maintenance-commands.js';
export { WorkspaceService, type WorkspaceOwner } from './workspaces/workspace.service.js';
export { WorkspaceAccessError } from './workspaces/workspace-path.js';
export { CommandBlockedError } from './workspaces/sandbox-command.js';
export {
  IsolationKind,
  SandboxUnavailableError,
  type IsolationMode,
  type SandboxEnforcement,
  type SandboxEnvironment,
} from './workspaces/sandbox-environment.js';
export { DEFAULT_SANDBOX_UIDS, type SandboxUidRange } from './workspaces/sandbox-identity.js';
export { QuotaExceededError } from './errors/agent.errors.js';
export type { WorkspaceOptions } from './workspaces/workspace.options.js';
export type { DashboardAlertOptions, DashboardOptions, DashboardStatsOptions } from './dashboard/dashboard.options.js';
export { DashboardStatsService } from './dashboard/stats/dashboard-stats.service.js';
export { StatsRollup, type RollupSettings, type RollupStep } from './dashboard/stats/stats-rollup.js';
export { StatsRollupJob } from './dashboard/stats/stats-rollup.job.js';
export { StatsWindow, STATS_WINDOWS, windowRange, type WindowRange } from './dashboard/stats/stats-window.js';
export { durationBin } from './dashboard/stats/duration-histogram.js';
export type { DashboardAlert, OverviewView, QueuesView, UsageView } from './dashboard/stats/stats-views.js';
export { AgentStatsRollupEntity } from './dashboard/stats/entities/agent-stats-rollup.entity.js';
export { AgentStatsRollupStateEntity } from './dashboard/stats/entities/agent-stats-rollup-state.entity.js';
export { AgentOpenApiDocument } from './openapi/openapi-document.js';
export type { OpenApiOptions } from './openapi/openapi.options.js';
export type { BashResult, Workspace, WorkspaceEntry, WorkspaceFile, WorkspaceSearch } from './runtime/tools/workspace-handle.js';
export { WorkspaceEntryType } from './runtime/tools/workspace-handle.js';
export { stepContextOf, workspaceOf, type AgentToolContext } from './runtime/tools/tool-context.js';
export type { McpHttpServer, McpServerConfig, McpServers, McpServerSettings, McpStdioServer } from './runtime/mcp/mcp-server.js';
export { McpConnections, type McpStepTools, type McpToolSource } from './runtime/mcp/mcp-connections.js';
export { McpServerError } from './runtime/mcp/mcp-connection.js';
export { WorkerMcpConnections } from './mcp/worker-mcp-connections.js';
export { bashTool, listDirTool, readFileTool, searchFilesTool, workspaceTools, writeFileTool } from './runtime/tools/workspace-tools.js';
export { PipelinesService, type NewPipeline } from './pipelines/pipelines.service.js';
export { PipelineReader, type PipelineFilter } from './pipelines/pipeline-reader.js';
export { PipelineStatus } from './pipelines/pipeline-status.js';
export { UNSTARTED_STAGE, type PipelineStageView, type PipelineView } from './pipelines/pipeline.view.js';
export { AgentPipelineEntity } from './pipelines/entities/agent-pipeline.entity.js';
export { InvalidPipelineError, PipelineFinishedError, PipelineNotFoundError } from './errors/pipeline.errors.js';
export { HookEvent, ALL_HOOK_EVENTS, type HookTarget } from './runtime/hook-target.js';
export { HookDeliveries } from './hooks/hook-deliveries.js';
export { HookLog } from './hooks/hook-log.service.js';
export { HookRedelivery } from './hooks/hook-redelivery.service.js';
export { HookDeliveryNotFoundError, HookDeliveryTransitionError } from './errors/hook.errors.js';
export { HookDeliveryStatus } from './hooks/hook-delivery-status.js';
export type { HookDeliveryView } from './hooks/hook-delivery.view.js';
export type { HookOptions } from './hooks/hook.options.js';
export { sign as signHookPayload } from './hooks/hook-signature.js';
export { AgentHookDeliveryEntity } from './hooks/agent-hook-delivery.entity.js';
export { ScheduleService, type NewSchedule, type ScheduleChanges, type ScheduleFilter } from './schedules/schedules.service.js';
export { ScheduleTicks, type TickOutcome } from './schedules/schedule-ticks.js';
export { ScheduleStatus } from './schedules/schedule-status.js';
export type { ScheduleView } from './schedules/schedule.view.js';
export type { ScheduleOptions } from './schedules/schedule.options.js';
export { AgentScheduleEntity } from './schedules/entities/agent-schedule.entity.js';
export { InvalidScheduleError, ScheduleNotFoundError, ScheduleTransitionError } from './errors/schedule.errors.js';
export {
  SPAWN_SUBAGENT_TOOL,
  subagentAgentType,
  type SpawnRequest,
  type SubagentAccess,
  type SubagentInfo,
} from './runtime/subagent-access.js';
export type { SubagentsSetting } from './runtime/llm-spawn.js';
export type { SubagentSpec } from './runtime/subagent-spec.js';
export type { SubagentOptions } from './subagents/subagent.options.js';
export { ConversationsService, type NewConversation, type StartedTurn } from './conversations/conversations.service.js';
export { ConversationReader, type ConversationFilter, type ConversationScope } from './conversations/conversation-reader.js';
export type { ConversationMessageView, ConversationView, TurnStartedView } from './conversations/conversation.view.js';
export { AgentConversationEntity } from './conversations/entities/agent-conversation.entity.js';
export { ConversationBusyError, ConversationNotFoundError } from './errors/conversation.errors.js';
export type { BusyConversationPolicy, ConversationOptions } from './conversations/conversation.options.js';
export { ChatService, type ChatTurn } from './chat/chat.service.js';
export { TurnStreamService, type TurnStreamOptions } from './chat/turn-stream.service.js';
export { TurnTokenRecorder } from './chat/turn-token-recorder.js';
export { AgentChatTokenEntity } from './chat/entities/agent-chat-token.entity.js';
export type { ChatOptions } from './chat/chat.options.js';

// Request rates per tier (`@nestjs/throttler`).
export { AgentThrottlerGuard } from './throttling/agent-throttler.guard.js';
export { AGENT_THROTTLER_OPTIONS } from './throttling/agent-throttler-options.js';
export { ThrottledCallers, throttledCallerOf, type ThrottledCaller } from './throttling/throttled-caller.js';
export { AGENT_THROTTLER_STORAGE } from './infrastructure/throttler-storage.provider.js';
export {
  AgentThrottler,
  DEFAULT_RATE_LIMITS,
  type RateLimit,
  type TierRateLimits,
  type TierRateLimitsInput,
} from './tenancy/tier-rate-limits.js';
// Nest conventions: tokens with their inject decorators, the module's extras.
export {
  getAgentDataSourceToken,
  getAgentOptionsToken,
  getAgentQueueToken,
  InjectAgentDataSource,
  InjectAgentOptions,
  InjectAgentQueue,
} from './agent.decorators.js';
export type { AgentModuleExtras } from './agent.module-definition.js';
export type { ResolvedAgentOptions } from './agent.options.js';
export { InvalidHostDataSourceError } from './infrastructure/agents-database.provider.js';
