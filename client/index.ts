/** A typed client for the `nestjs-agents` API, for browsers and Node: `fetch` and socket.io-client only. */
export { AgentsClient, type AgentsClientOptions, type StartResult } from './agents-client.js';
export { ConversationsClient, PipelinesClient } from './work-clients.js';
export { SchedulesClient } from './schedules-client.js';
export type {
  AdminSchedulesQuery,
  HookDelivery,
  HookEvent,
  HookTarget,
  NewSchedule,
  Schedule,
  ScheduleChanges,
  ScheduleStatus,
} from './schedule-types.js';
export type {
  BudgetState,
  Conversation,
  ConversationMessage,
  Pipeline,
  PipelineStage,
  PipelineStageDefinition,
  PipelineStageInput,
  PipelineStatus,
  TurnStarted,
} from './work-types.js';
export { AgentsApiError, SubscribeRefusedError } from './errors.js';
export { AdminAgentsClient } from './admin-client.js';
export { AdminDashboardClient } from './dashboard-client.js';
export type {
  AdminConversation,
  AdminConversationsQuery,
  AdminExecution,
  AdminListQuery,
  AdminPipeline,
  AdminPipelinesQuery,
  DashboardSession,
  QueueStats,
  UsageLine,
  UsageSummary,
} from './admin-types.js';
export type {
  AdminConversationDetail,
  AdminPipelineDetail,
  BulkCancelResult,
  DashboardAlert,
  DashboardOverview,
  DashboardQueues,
  DashboardUsage,
  DurationPercentiles,
  ExecutionTimeline,
  OverviewBucket,
  ParkedStatus,
  QueueBucket,
  QueueWorker,
  RunFilters,
  StatsWindow,
  TimelineCall,
  TimelineGap,
  TimelineStep,
} from './dashboard-types.js';
export type { Feed, FeedHandlers } from './event-feed.js';
export type { TokenSource } from './http.js';
export type { SocketOverrides } from './realtime.js';
export { TERMINAL_STATUSES, isTerminalStatus } from './types.js';
export type {
  AgentType,
  ApprovalDecision,
  CancelOptions,
  ErrorBody,
  Execution,
  ExecutionError,
  ExecutionStatus,
  JsonObject,
  JsonValue,
  ListQuery,
  Log,
  LogEvent,
  LogLevel,
  LogsQuery,
  Page,
  PendingApproval,
  QueueName,
  RealtimeToken,
  StartItem,
  StartOptions,
  StatusEvent,
  StepEvent,
  Subscription,
  SubscriptionHandlers,
  TokenEvent,
  ToolCall,
  ToolResult,
  Transcript,
  TranscriptEntry,
  TranscriptQuery,
} from './types.js';
