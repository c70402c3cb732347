import type { JsonObject, QueueName } from './types.js';

export type HookEvent = 'execution.completed' | 'execution.failed' | 'execution.awaiting_input';

/** A signed HTTP callback: `POST url` on each of `events` (default all three). */
export interface HookTarget {
  url: string;
  events?: HookEvent[];
}

/** One delivery in an execution's hook log. */
export interface HookDelivery {
  /** The idempotency id the receiver sees as `webhook-id`. */
  id: string;
  event: HookEvent;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: { at: string; status_code: number | null; error: string | null; duration_ms: number }[];
  delivered_at: string | null;
  created_at: string;
}

export type ScheduleStatus = 'active' | 'paused';

export interface Schedule {
  id: string;
  user_id: string;
  agent_type: string;
  input: unknown;
  queue: QueueName | null;
  metadata: JsonObject;
  hooks: HookTarget[];
  cron: string;
  time_zone: string;
  status: ScheduleStatus;
  next_run_at: string | null;
  last_tick_at: string | null;
  last_run_at: string | null;
  last_execution_id: string | null;
  /** The last refused start (limits, budget): `{ code, message, at }`. */
  last_error: { code: string; message: string; at: string } | null;
  run_count: number;
  refused_count: number;
  created_at: string;
  updated_at: string;
}

/** `client.admin.schedules`: the tenant's schedules, or some of them. */
export interface AdminSchedulesQuery {
  status?: ScheduleStatus;
  /** Only this user's schedules. */
  userId?: string;
  agentType?: string;
  cursor?: string;
  limit?: number;
}

export interface NewSchedule {
  /** 5 fields, or 6 with seconds first. */
  cron: string;
  /** IANA name; default the server's (UTC). */
  timeZone?: string;
  paused?: boolean;
  queue?: QueueName;
  metadata?: JsonObject;
  hooks?: HookTarget[];
}

/** What `schedules.update` changes; what is left out stays. */
export interface ScheduleChanges {
  input?: unknown;
  cron?: string;
  timeZone?: string;
  /** `null`: the default queue again. */
  queue?: QueueName | null;
  metadata?: JsonObject;
  /** `[]`: none. */
  hooks?: HookTarget[];
}
