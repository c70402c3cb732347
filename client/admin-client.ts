import type {
  AdminConversation,
  AdminConversationsQuery,
  AdminExecution,
  AdminPipeline,
  AdminPipelinesQuery,
  DashboardSession,
  QueueStats,
  UsageSummary,
} from './admin-types.js';
import { AdminDashboardClient } from './dashboard-client.js';
import type { AdminConversationDetail, AdminPipelineDetail, BulkCancelResult, ExecutionTimeline, RunFilters } from './dashboard-types.js';
import { openFeed, type Feed, type FeedHandlers } from './event-feed.js';
import type { Http } from './http.js';
import type { RealtimeConnection, RealtimeOptions } from './realtime.js';
import type { AdminSchedulesQuery, HookDelivery, Schedule, ScheduleChanges } from './schedule-types.js';
import { scheduleChangesBody } from './schedules-client.js';
import type {
  ApprovalDecision,
  CancelOptions,
  Log,
  LogsQuery,
  Page,
  Subscription,
  SubscriptionHandlers,
  Transcript,
  TranscriptQuery,
} from './types.js';

/** Logs per request while catching up; the server allows up to 1000. */
const CATCH_UP_PAGE = 500;

const path = (id: string, action = ''): string => `/api/admin/agents/${encodeURIComponent(id)}${action}`;
const schedulePath = (id: string, action = ''): string => `/api/admin/schedules/${encodeURIComponent(id)}${action}`;

/**
 * The admin routes (`/api/admin/…`, admin role): every execution of the caller's tenant, whoever
 * started it. Reached as `client.admin`; shares the client's token and socket.
 *
 * @example
 * const failed = await client.admin.list({ status: 'failed', userId: 'alice' });
 * await client.admin.cancel(failed.data[0].id);
 */
export class AdminAgentsClient {
  /** The dashboard's charts: overview, queues and usage over a window. */
  readonly dashboard: AdminDashboardClient;

  constructor(
    private readonly http: Http,
    private readonly realtime: RealtimeConnection,
    private readonly realtimeOptions: RealtimeOptions,
  ) {
    // NOTE: assigned here, not as a field initializer: bundlers that define class fields would run one before `http` is set.
    this.dashboard = new AdminDashboardClient(http);
  }

  /**
   * The tenant's executions, newest first: by status (one or several), agent type, user, the work they
   * belong to, creation time, metadata and id prefix (`AdminListQuery` is a `RunFilters` too).
   *
   * @example
   * const stuck = await client.admin.list({ status: ['awaiting_input', 'awaiting_event'], metadata: { customer: 'acme' } });
   */
  list(query: RunFilters = {}): Promise<Page<AdminExecution>> {
    return this.http.request('GET', '/api/admin/agents', {
      query: {
        status: Array.isArray(query.status) ? query.status.join(',') : query.status,
        agent_type: query.agentType,
        user_id: query.userId,
        conversation_id: query.conversationId,
        pipeline_id: query.pipelineId,
        parent_execution_id: query.parentExecutionId,
        retried_from_execution_id: query.retriedFromExecutionId,
        from: query.from,
        to: query.to,
        metadata: query.metadata === undefined ? undefined : JSON.stringify(query.metadata),
        id: query.id,
        cursor: query.cursor,
        limit: query.limit,
      },
    });
  }

  get(id: string): Promise<AdminExecution> {
    return this.http.request('GET', path(id));
  }

  logs(id: string, query: LogsQuery = {}): Promise<Page<Log>> {
    return this.http.request('GET', path(id, '/logs'), {
      query: { level: query.level, event_type: query.eventType, after_id: query.afterId, limit: query.limit },
    });
  }

  /** A page of the execution's messages, oldest first; pass `next_cursor` back as `cursor`. */
  transcript(id: string, query: TranscriptQuery = {}): Promise<Transcript> {
    return this.http.request('GET', path(id, '/transcript'), { query: { cursor: query.cursor, limit: query.limit } });
  }

  /**
   * The run's waterfall: each attempt at a step (start, duration, outcome, tokens) with its timed model
   * and tool calls, and the spans it waited in. Built from its first 5,000 log rows (`truncated` beyond).
   */
  timeline(id: string): Promise<ExecutionTimeline> {
    return this.http.request('GET', path(id, '/timeline'));
  }

  /**
   * The delivery log of the outbound hooks of any execution of the tenant, oldest first: each
   * event's call per target, with its attempts.
   *
   * @example
   * const failed = (await client.admin.hooks(id)).data.filter((d) => d.status === 'failed');
   */
  hooks(executionId: string): Promise<{ data: HookDelivery[] }> {
    return this.http.request('GET', path(executionId, '/hooks'));
  }

  /**
   * Sends a failed delivery again, now (the same `webhook-id`; its attempts go on from where they
   * stopped): answers it `pending`. 409 (`details.current_status`) when it is pending or delivered.
   *
   * @example
   * await client.admin.redeliverHook(executionId, delivery.id);
   */
  redeliverHook(executionId: string, deliveryId: string): Promise<HookDelivery> {
    return this.http.request('POST', path(executionId, `/hooks/${encodeURIComponent(deliveryId)}/redeliver`));
  }

  pause(id: string): Promise<AdminExecution> {
    return this.http.request('POST', path(id, '/pause'));
  }

  resume(id: string): Promise<AdminExecution> {
    return this.http.request('POST', path(id, '/resume'));
  }

  cancel(id: string, options: CancelOptions = {}): Promise<AdminExecution> {
    return this.http.request('POST', path(id, '/cancel'), { body: options.graceMs === undefined ? {} : { grace_ms: options.graceMs } });
  }

  /**
   * Cancels many executions of the tenant (1–200 distinct ids), each as `cancel` would: one line per id,
   * in order (`cancelled`, `cancelling`, `already_finished`, `not_found`).
   */
  cancelMany(ids: string[], options: CancelOptions = {}): Promise<BulkCancelResult> {
    return this.http.request('POST', '/api/admin/agents/cancel', {
      body: options.graceMs === undefined ? { ids } : { ids, grace_ms: options.graceMs },
    });
  }

  kill(id: string): Promise<AdminExecution> {
    return this.http.request('DELETE', path(id));
  }

  sendInput(id: string, input: unknown): Promise<AdminExecution> {
    return this.http.request('POST', path(id, '/input'), { body: { input } });
  }

  /**
   * Starts a failed or cancelled execution again, as its owner's start: same agent type, input, metadata,
   * tier and queue; the new one's `retried_from_execution_id` names it. 409 for other statuses and for
   * conversation turns, pipeline stages and subagents; 429 / 402 when the owner's limits or budget refuse.
   */
  retry(id: string): Promise<AdminExecution> {
    return this.http.request('POST', path(id, '/retry'));
  }

  /** Approves or denies a tool call the execution waits on; it resumes once every pending call is decided. */
  decideToolApproval(id: string, approvalId: string, decision: ApprovalDecision): Promise<AdminExecution> {
    return this.http.request('POST', path(id, `/approvals/${encodeURIComponent(approvalId)}`), { body: decision });
  }

  /** The tenant's conversations (without histories), most recently active first; `userId` keeps one user's. */
  conversations(query: AdminConversationsQuery = {}): Promise<Page<AdminConversation>> {
    return this.http.request('GET', '/api/admin/conversations', {
      query: { user_id: query.userId, cursor: query.cursor, limit: query.limit },
    });
  }

  /** A conversation of the tenant with its history and its turns (one execution each; the newest 200), oldest first. */
  conversation(id: string): Promise<AdminConversationDetail> {
    return this.http.request('GET', `/api/admin/conversations/${encodeURIComponent(id)}`);
  }

  /** A pipeline of the tenant with its stages and every execution of them, oldest first. */
  pipeline(id: string): Promise<AdminPipelineDetail> {
    return this.http.request('GET', `/api/admin/pipelines/${encodeURIComponent(id)}`);
  }

  /** The tenant's pipelines, newest first, filtered by status and user. */
  pipelines(query: AdminPipelinesQuery = {}): Promise<Page<AdminPipeline>> {
    return this.http.request('GET', '/api/admin/pipelines', {
      query: { status: query.status, user_id: query.userId, cursor: query.cursor, limit: query.limit },
    });
  }

  /** The tenant's schedules, newest first, filtered by status, user and agent type. */
  schedules(query: AdminSchedulesQuery = {}): Promise<Page<Schedule>> {
    return this.http.request('GET', '/api/admin/schedules', {
      query: { status: query.status, user_id: query.userId, agent_type: query.agentType, cursor: query.cursor, limit: query.limit },
    });
  }

  /** Changes any schedule of the tenant (input, cron, time zone, start options), as its owner's `schedules.update` does. */
  updateSchedule(id: string, changes: ScheduleChanges): Promise<Schedule> {
    return this.http.request('PATCH', schedulePath(id), { body: scheduleChangesBody(changes) });
  }

  /** Pauses any schedule of the tenant: no tick until resumed; 409 when already paused. */
  pauseSchedule(id: string): Promise<Schedule> {
    return this.http.request('POST', schedulePath(id, '/pause'));
  }

  /** Resumes any paused schedule of the tenant from its next tick after now; 409 when active. */
  resumeSchedule(id: string): Promise<Schedule> {
    return this.http.request('POST', schedulePath(id, '/resume'));
  }

  /** Deletes any schedule of the tenant; the executions it started are kept. */
  deleteSchedule(id: string): Promise<void> {
    return this.http.request('DELETE', schedulePath(id));
  }

  /** Depth of every queue (shared by all tenants) and the tenant's executions running on each. */
  queues(): Promise<{ data: QueueStats[] }> {
    return this.http.request('GET', '/api/admin/agents/queues');
  }

  /** The tenant's usage by model and by user (`GET /api/usage` as an admin); this month by default. */
  usage(period: { from?: string; to?: string } = {}): Promise<UsageSummary> {
    return this.http.request('GET', '/api/usage', { query: { from: period.from, to: period.to } });
  }

  /** The dashboard's sign-in check (403 for non-admins); also sets bull-board's HttpOnly cookie. */
  dashboardSession(): Promise<DashboardSession> {
    return this.http.request('POST', '/api/admin/dashboard/session');
  }

  /** Signs the dashboard out: clears bull-board's cookie. */
  closeDashboardSession(): Promise<void> {
    return this.http.request('DELETE', '/api/admin/dashboard/session');
  }

  /** Like `client.subscribe`, for any execution of the tenant: it catches up from the admin logs route. */
  subscribe(executionId: string, handlers: SubscriptionHandlers): Subscription {
    return this.realtime.subscribe(executionId, handlers, (afterId) => this.logs(executionId, { afterId, limit: CATCH_UP_PAGE }));
  }

  /**
   * Every status change, step and log of the tenant as it happens, on a socket of its own (for
   * lists and counters; reload on `onConnect`, events while disconnected are not replayed).
   *
   * @example
   * const feed = client.admin.watch({ onStatus: (s) => updateRow(s.execution_id, s.status), onConnect: reload });
   */
  watch(handlers: FeedHandlers): Feed {
    return openFeed(this.realtimeOptions, handlers);
  }
}
