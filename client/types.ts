import type { HookTarget } from './schedule-types.js';
/**
 * The shapes the server sends, field for field (snake_case, as the REST API and the socket emit
 * them). Kept free of server imports so the client bundles for browsers without Nest or TypeORM.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type ExecutionStatus =
  | 'scheduled'
  | 'pending'
  | 'running'
  | 'paused'
  | 'awaiting_input'
  | 'awaiting_event'
  | 'awaiting_children'
  | 'completed'
  | 'failed'
  | 'cancelled';

/** After one of these, nothing about the execution changes any more. */
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminalStatus = (status: string): boolean => (TERMINAL_STATUSES as readonly string[]).includes(status);

export type QueueName = 'agents-default' | 'agents-long' | 'agents-priority';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Why a run failed (`step_error`, `max_steps_exceeded`, `max_tokens_exceeded`, `timeout`, …). */
export interface ExecutionError {
  code: string;
  message: string;
}

/** One log row of an execution. Its `id` is also the `seq` of the events it stands for. */
export interface Log {
  id: number;
  /** The step the log belongs to (for a status change: the last step committed); absent from older servers. */
  step_number?: number | null;
  level: LogLevel | string;
  event_type: string;
  message: string;
  context: JsonObject;
  created_at: string;
}

export interface Execution {
  id: string;
  agent_type: string;
  /** The version of the agent type that started it and runs it. */
  agent_version: string;
  status: ExecutionStatus;
  queue: string;
  step_count: number;
  token_usage: number;
  cost_usd: number;
  input: JsonValue;
  output: JsonValue | null;
  error: ExecutionError | null;
  metadata: JsonObject;
  conversation_id: string | null;
  pipeline_id: string | null;
  parent_execution_id: string | null;
  /** A fork: the execution and the step whose state it started from. */
  forked_from_execution_id: string | null;
  forked_from_step: number | null;
  /** A retry (`client.admin.retry`): the failed or cancelled execution it starts again. */
  retried_from_execution_id: string | null;
  created_at: string;
  started_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
  /** When a scheduled or sleeping execution is due to run (null when it is not waiting for a time). */
  scheduled_for: string | null;
  duration_seconds: number | null;
  /** Tool calls waiting for a decision (`decideToolApproval`); empty when none. */
  pending_approvals: PendingApproval[];
  /** Only on `get(id)`: the latest logs, oldest first. */
  logs?: Log[];
}

/** A tool call of an LLM agent that runs only once approved; the execution is `awaiting_input` meanwhile. */
export interface PendingApproval {
  approval_id: string;
  tool_call_id: string;
  tool_name: string;
  input: JsonValue;
  requested_at: string;
}

/** The answer to a `PendingApproval`: a denial reaches the model as the tool's result, with the reason. */
export interface ApprovalDecision {
  approved: boolean;
  reason?: string;
}

/** A cursor-paginated list; `next_cursor` is null on the last page. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** The error body of every non-2xx answer. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An agent type a start may name (`GET /api/agents/types`). */
export interface AgentType {
  name: string;
  description: string | null;
  queue: QueueName;
  limits: { max_steps: number; max_tokens: number; timeout_seconds: number };
  chunk_size: number;
  /** The JSON Schema of the input a start must give; null when the type takes any input or its schema has none. */
  input_schema: Record<string, unknown> | null;
  /** Why an input schema that exists has no JSON Schema here. */
  input_schema_note?: string;
  /** The JSON Schema of a completed run's `output`, when the type declares one. */
  output_schema: Record<string, unknown> | null;
  output_schema_note?: string;
}

/** A tool call an assistant message made. */
export interface ToolCall {
  tool_call_id: string;
  tool_name: string;
  input: JsonValue;
}

/** A tool's answer to a call; `is_error` for an error the tool raised or a denied approval. */
export interface ToolResult {
  tool_call_id: string;
  tool_name: string;
  output: JsonValue;
  is_error: boolean;
}

/** One message of an execution's history, its text and tool parts taken out of the stored content. */
export interface TranscriptEntry {
  /** Its place in the execution's history (1, 2, …). */
  seq: number;
  role: 'system' | 'user' | 'assistant' | 'tool' | string;
  /** The message's text (its text parts joined); null when it has none. */
  text: string | null;
  tool_calls: ToolCall[];
  tool_results: ToolResult[];
  /** The message as stored (the model's message parts, or whatever a custom agent appended). */
  content: JsonValue;
  created_at: string;
}

/** A page of an execution's messages, oldest first; `next_cursor` is null on the last page. */
export interface Transcript {
  execution_id: string;
  data: TranscriptEntry[];
  next_cursor: string | null;
}

export interface RealtimeToken {
  token: string;
  expires_at: string;
}

// ── requests (camelCase in, mapped to the server's snake_case by the client) ──

export interface StartOptions {
  queue?: QueueName;
  metadata?: JsonObject;
  /** A second start with the same key answers the first execution instead of starting another. */
  idempotencyKey?: string;
  /** Signed HTTP callbacks on completion, failure, awaiting input. */
  hooks?: HookTarget[];
}

/** One start of `startMany`. */
export interface StartItem {
  agentType: string;
  input: unknown;
  options?: StartOptions;
}

export interface ListQuery {
  status?: ExecutionStatus;
  agentType?: string;
  /** A parent's subagents, a pipeline's stages, a conversation's turns. */
  parentExecutionId?: string;
  pipelineId?: string;
  conversationId?: string;
  /** Executions whose metadata contains this object (`{ order: '42' }`). */
  metadata?: JsonObject;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface LogsQuery {
  level?: LogLevel;
  eventType?: string;
  /** Only logs with a greater id (a `seq` you already have). */
  afterId?: number;
  limit?: number;
}

export interface TranscriptQuery {
  /** `next_cursor` of the previous page: the messages after it. */
  cursor?: string | number;
  /** 1–500 messages (default 100). */
  limit?: number;
}

export interface CancelOptions {
  /** How long the step in flight may still run before the cancel becomes a force kill. */
  graceMs?: number;
}

// ── live events (Socket.IO namespace `/agents`) ──

/** Every event names its execution and carries `seq`: the id of the log row it reflects. */
interface EventBase {
  execution_id: string;
  seq: number;
}

export interface StepEvent extends EventBase {
  step_number: number;
  step_type: string;
  tool_names: string[];
  tokens_used: number;
  timestamp: string;
}

export interface StatusEvent extends EventBase {
  status: ExecutionStatus;
  step_count: number;
  /** Rebuilt from the steps seen when the event is replayed from the logs. */
  token_usage: number;
  completed_at: string | null;
  error?: ExecutionError;
}

export interface LogEvent extends EventBase, Log {}

/** Model output streamed during a step. Live only: never stored, so never replayed after a reconnect. */
export interface TokenEvent extends EventBase {
  step_number: number;
  text: string;
  /** Position of this piece within its step. */
  index: number;
}

export interface SubscriptionHandlers {
  /** Each completed step exactly once, in order. */
  onStep?: (event: StepEvent) => void;
  /** Each status change once; the last one is terminal (completed, failed or cancelled). */
  onStatus?: (event: StatusEvent) => void;
  onLog?: (event: LogEvent) => void;
  onToken?: (event: TokenEvent) => void;
  /** Trouble that does not end the subscription by itself (a refused connection, a failed catch-up). */
  onError?: (error: Error) => void;
}

export interface Subscription {
  readonly executionId: string;
  /** Resolves with the terminal status once it was delivered; rejects if the server refuses the subscription. */
  readonly done: Promise<StatusEvent>;
  /** Stops delivering and leaves the execution's room. Idempotent. */
  close(): void;
  /** Same as `close()`. */
  unsubscribe(): void;
}
