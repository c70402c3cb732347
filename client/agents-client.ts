import { SchedulesClient } from './schedules-client.js';
import type { HookDelivery } from './schedule-types.js';
import type { Socket } from 'socket.io-client';
import { AdminAgentsClient } from './admin-client.js';
import { budgetOf, ConversationsClient, PipelinesClient } from './work-clients.js';
import type { BudgetState } from './work-types.js';
import { AgentsApiError } from './errors.js';
import { Http, type TokenSource } from './http.js';
import { RealtimeConnection, type RealtimeOptions, type SocketOverrides } from './realtime.js';
import type {
  AgentType,
  ApprovalDecision,
  CancelOptions,
  ErrorBody,
  Execution,
  ListQuery,
  Log,
  LogsQuery,
  Page,
  RealtimeToken,
  StartItem,
  StartOptions,
  Subscription,
  SubscriptionHandlers,
  Transcript,
  TranscriptQuery,
} from './types.js';

export interface AgentsClientOptions {
  /** Where the API listens, e.g. `https://api.example.com` (routes are under `/api/agents`). */
  baseUrl: string;
  /** The bearer token of the caller, or a function asked before every request. */
  token?: TokenSource;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Passed to socket.io-client (e.g. `{ transports: ['websocket'] }`); `auth` is the client's own. */
  socketOptions?: SocketOverrides;
}

/** Logs per request while catching up; the server allows up to 1000. */
const CATCH_UP_PAGE = 500;

/**
 * The `nestjs-agents` API: start and control executions, read them, and follow them live.
 * Every method answers the server's JSON as it is (snake_case) and throws `AgentsApiError` on a
 * non-2xx answer. Control methods answer the execution; when it was running, its status is still
 * `running` there: the change lands at the end of the step in flight (HTTP 202).
 *
 * @example
 * const client = new AgentsClient({ baseUrl: 'http://localhost:3000', token: () => auth.currentToken() });
 * const execution = await client.start('code-assistant', { prompt: 'What files does the project have?' });
 * const subscription = client.subscribe(execution.id, {
 *   onStep: (step) => console.log('step', step.step_number),
 *   onStatus: (status) => console.log('status', status.status),
 * });
 * const final = await subscription.done; // the terminal status
 */
export class AgentsClient {
  private readonly http: Http;
  private readonly realtime: RealtimeConnection;
  private readonly realtimeOptions: RealtimeOptions;
  private adminClient: AdminAgentsClient | null = null;
  /** Conversations: each message a turn that sees the history (SPEC §9). */
  readonly conversations: ConversationsClient;
  /** Pipelines: stages of agents fed by each other's outputs (SPEC §10). */
  readonly pipelines: PipelinesClient;
  /** Recurring cron schedules of starts. */
  readonly schedules: SchedulesClient;

  constructor(options: AgentsClientOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.http = new Http(baseUrl, options.token, options.fetch);
    this.realtimeOptions = {
      baseUrl,
      token: async () => (await this.realtimeToken()).token,
      ...(options.socketOptions ? { socketOptions: options.socketOptions } : {}),
    };
    this.realtime = new RealtimeConnection(this.realtimeOptions);
    this.conversations = new ConversationsClient(this.http);
    this.pipelines = new PipelinesClient(this.http);
    this.schedules = new SchedulesClient(this.http);
  }

  /**
   * The caller's and its tenant's monthly budgets: limits, spent, and held by running steps.
   *
   * @example
   * const { budgets } = await client.budget();
   */
  budget(): Promise<{ budgets: BudgetState[] }> {
    return budgetOf(this.http);
  }

  /**
   * The admin routes (admin role): the whole tenant's executions, queue stats, usage, and a live
   * feed of the tenant's events.
   *
   * @example
   * const { data } = await client.admin.list({ status: 'running' });
   */
  get admin(): AdminAgentsClient {
    return (this.adminClient ??= new AdminAgentsClient(this.http, this.realtime, this.realtimeOptions));
  }

  /**
   * Starts an execution (201): it is `pending` until a worker takes it.
   *
   * @example
   * const { id } = await client.start('steps', { steps: 3 }, { idempotencyKey: 'order-42' });
   */
  start(agentType: string, input: unknown, options: StartOptions = {}): Promise<Execution> {
    return this.http.request('POST', '/api/agents', { body: startBody({ agentType, input, options }) });
  }

  /**
   * Starts up to 100 executions in one request, admitted together in the order given. Each result
   * is the item's execution, or the `AgentsApiError` a lone start would have thrown (429 over the
   * tier's limits, 409 an idempotency key reused). An item that fails its checks rejects the whole
   * call (`details.index` names it) and nothing starts.
   *
   * @example
   * const results = await client.startMany(files.map((file) => ({ agentType: 'summarize', input: { file }, options: { idempotencyKey: file } })));
   * const refused = results.filter((r) => r.error);
   */
  async startMany(items: StartItem[]): Promise<StartResult[]> {
    const { results } = await this.http.request<{ results: { index: number; execution?: Execution; error?: ErrorBody }[] }>(
      'POST',
      '/api/agents/batch',
      { body: { items: items.map(startBody) } },
    );
    return results.map((r) =>
      r.execution ? { index: r.index, execution: r.execution } : { index: r.index, error: new AgentsApiError(r.error!) },
    );
  }

  /**
   * The agent types a start may name, with the JSON Schema of their input and output where they declare one.
   *
   * @example
   * const { data } = await client.types();
   * const form = data.find((t) => t.name === 'report')?.input_schema; // render a form from it
   */
  types(): Promise<{ data: AgentType[] }> {
    return this.http.request('GET', '/api/agents/types');
  }

  /**
   * The delivery log of the execution's outbound hooks.
   *
   * @example
   * const { data } = await client.hooks(id);
   */
  hooks(id: string): Promise<{ data: HookDelivery[] }> {
    return this.http.request('GET', `/api/agents/${encodeURIComponent(id)}/hooks`);
  }

  /**
   * The execution with its latest logs.
   *
   * @example
   * const { status, output } = await client.get(id);
   */
  get(id: string): Promise<Execution> {
    return this.http.request('GET', `/api/agents/${encodeURIComponent(id)}`);
  }

  /**
   * The caller's executions, newest first; pass `next_cursor` back as `cursor` for the next page.
   *
   * @example
   * const page = await client.list({ status: 'running', limit: 20 });
   * const next = page.next_cursor ? await client.list({ status: 'running', cursor: page.next_cursor }) : null;
   */
  list(query: ListQuery = {}): Promise<Page<Execution>> {
    return this.http.request('GET', '/api/agents', {
      query: {
        status: query.status,
        agent_type: query.agentType,
        parent_execution_id: query.parentExecutionId,
        pipeline_id: query.pipelineId,
        conversation_id: query.conversationId,
        metadata: query.metadata === undefined ? undefined : JSON.stringify(query.metadata),
        cursor: query.cursor,
        limit: query.limit,
      },
    });
  }

  /**
   * A page of the execution's logs, oldest first; `next_cursor` is the `afterId` of the next page.
   *
   * @example
   * const errors = await client.logs(id, { level: 'error' });
   */
  logs(id: string, query: LogsQuery = {}): Promise<Page<Log>> {
    return this.http.request('GET', `/api/agents/${encodeURIComponent(id)}/logs`, {
      query: { level: query.level, event_type: query.eventType, after_id: query.afterId, limit: query.limit },
    });
  }

  /**
   * A page of the execution's messages, oldest first, each with its text, tool calls and tool
   * results; pass `next_cursor` back as `cursor` for the next page.
   *
   * @example
   * let page = await client.transcript(id, { limit: 50 });
   * while (page.next_cursor) page = await client.transcript(id, { cursor: page.next_cursor, limit: 50 });
   */
  transcript(id: string, query: TranscriptQuery = {}): Promise<Transcript> {
    return this.http.request('GET', `/api/agents/${encodeURIComponent(id)}/transcript`, {
      query: { cursor: query.cursor, limit: query.limit },
    });
  }

  /**
   * Pauses: a pending execution at once, a running one at the end of its step in flight.
   *
   * @example
   * await client.pause(id);
   */
  pause(id: string): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/pause`);
  }

  /**
   * Resumes a paused execution from its checkpoint (back to `pending`).
   *
   * @example
   * await client.resume(id);
   */
  resume(id: string): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/resume`);
  }

  /**
   * Cancels: at once when nothing runs, else at the end of the step in flight — force-killed if that
   * step outlives `graceMs`.
   *
   * @example
   * await client.cancel(id, { graceMs: 2000 });
   */
  cancel(id: string, options: CancelOptions = {}): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/cancel`, {
      body: options.graceMs === undefined ? {} : { grace_ms: options.graceMs },
    });
  }

  /**
   * Force kill (`DELETE`): `cancelled` at once; the step in flight is aborted and commits nothing.
   *
   * @example
   * const killed = await client.kill(id); // killed.metadata.force_killed === true
   */
  kill(id: string): Promise<Execution> {
    return this.http.request('DELETE', `/api/agents/${encodeURIComponent(id)}`);
  }

  /**
   * Answers an execution that is `awaiting_input`; the input joins its history as a user message.
   *
   * @example
   * await client.sendInput(id, { answer: 'yes' });
   */
  sendInput(id: string, input: unknown): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/input`, { body: { input } });
  }

  /**
   * Approves or denies a tool call the execution waits on (one of its `pending_approvals`); it
   * resumes once every pending call is decided. 409 when decided already or no longer awaited.
   *
   * @example
   * await client.decideToolApproval(id, execution.pending_approvals[0].approval_id, { approved: false, reason: 'Not today' });
   */
  decideToolApproval(id: string, approvalId: string, decision: ApprovalDecision): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/approvals/${encodeURIComponent(approvalId)}`, {
      body: decision,
    });
  }

  /**
   * Replay / fork: a new execution that starts from the state `id` had after `step` (0: from the
   * start), with another input if given, linked to it (`forked_from_execution_id`, `forked_from_step`).
   *
   * @example
   * const retry = await client.fork(id, { step: 3, input: { prompt: 'shorter, please' } });
   */
  fork(id: string, options: { step: number; input?: unknown; metadata?: Record<string, unknown> }): Promise<Execution> {
    return this.http.request('POST', `/api/agents/${encodeURIComponent(id)}/fork`, { body: options });
  }

  /**
   * A short-lived token for the Socket.IO handshake. `subscribe` fetches its own; this is for
   * callers that open sockets themselves.
   *
   * @example
   * const socket = io(`${baseUrl}/agents`, { auth: { token: (await client.realtimeToken()).token } });
   */
  realtimeToken(): Promise<RealtimeToken> {
    return this.http.request('GET', '/api/agents/realtime-token');
  }

  /**
   * Follows an execution live. Everything that happened before is replayed first (from its logs),
   * and again after every reconnect what was missed, so each step reaches `onStep` exactly once and
   * in order. Ends by itself after the terminal status (`done` resolves with it). Token deltas are
   * live only: those sent while disconnected are not replayed.
   *
   * @example
   * const subscription = client.subscribe(id, {
   *   onStep: (s) => render(s.step_number),
   *   onToken: (t) => append(t.text),
   *   onStatus: (s) => setStatus(s.status),
   *   onError: (e) => console.warn(e.message),
   * });
   * // later, if the page goes away before the run ends:
   * subscription.close();
   */
  subscribe(executionId: string, handlers: SubscriptionHandlers): Subscription {
    return this.realtime.subscribe(executionId, handlers, (afterId) => this.logs(executionId, { afterId, limit: CATCH_UP_PAGE }));
  }

  /**
   * The shared Socket.IO socket, once a subscription opened it (null before). For diagnostics and
   * tests: the subscriptions handle connects and reconnects themselves.
   */
  get socket(): Socket | null {
    return this.realtime.current;
  }

  /**
   * Ends every subscription and closes the socket.
   *
   * @example
   * client.close();
   */
  close(): void {
    this.realtime.close();
  }
}

/** One item of `startMany`: its execution, or why it was refused. */
export type StartResult =
  { index: number; execution: Execution; error?: never } | { index: number; execution?: never; error: AgentsApiError };

/** The body of `POST /api/agents` (and of each item of `/batch`). */
function startBody({ agentType, input, options = {} }: StartItem) {
  const { queue, metadata, idempotencyKey, hooks } = options;
  const hasOptions = queue !== undefined || metadata !== undefined || idempotencyKey !== undefined || hooks !== undefined;
  return {
    agent_type: agentType,
    input,
    ...(hasOptions ? { options: { queue, metadata, idempotency_key: idempotencyKey, hooks } } : {}),
  };
}
