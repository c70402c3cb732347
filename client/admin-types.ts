/** Shapes of the admin routes (`/api/admin/…`), field for field as the server sends them. */
import type { Execution, ExecutionStatus, ListQuery, QueueName } from './types.js';
import type { Conversation, Pipeline, PipelineStatus } from './work-types.js';

/** An execution as admins see it: whose it is, and (in lists) how many logs it has. */
export interface AdminExecution extends Execution {
  user_id: string;
  log_count?: number;
}

export interface AdminListQuery extends ListQuery {
  status?: ExecutionStatus;
  /** Only this user's executions. */
  userId?: string;
}

/** A conversation as admins see it in the tenant's list: whose it is (never with its history). */
export interface AdminConversation extends Omit<Conversation, 'messages'> {
  user_id: string;
}

/** A pipeline as admins see it in the tenant's list: whose it is. */
export interface AdminPipeline extends Pipeline {
  user_id: string;
}

export interface AdminConversationsQuery {
  /** Only this user's conversations. */
  userId?: string;
  cursor?: string;
  limit?: number;
}

export interface AdminPipelinesQuery {
  status?: PipelineStatus;
  /** Only this user's pipelines. */
  userId?: string;
  cursor?: string;
  limit?: number;
}

/** One queue as BullMQ counts it (shared by every tenant), beside the tenant's executions running on it. */
export interface QueueStats {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  running: number;
}

export interface UsageLine {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  requests: number;
}

/** `GET /api/usage` as an admin: the tenant's usage over the period, by model and by user. */
export interface UsageSummary {
  period: { from: string; to: string };
  by_model: (UsageLine & { model: string })[];
  totals: UsageLine;
  by_user?: (UsageLine & { user_id: string })[];
}

/** The dashboard's sign-in check: who signed in, and until when bull-board's cookie is good. */
export interface DashboardSession {
  tenant_id: string;
  user_id: string;
  roles: string[];
  expires_at: string;
  queues_url: string;
}
