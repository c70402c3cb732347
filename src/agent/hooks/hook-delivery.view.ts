/** One delivery in an execution's hook log (`GET /api/agents/:id/hooks`, `GET /api/admin/agents/:id/hooks`). */
export interface HookDeliveryView {
  id: string;
  event: string;
  url: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: unknown[];
  delivered_at: string | null;
  created_at: string;
}

export interface HookDeliveryRow {
  id: string;
  event: string;
  url: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: unknown[];
  delivered_at: Date | null;
  created_at: Date;
}

export function toHookDeliveryView(row: HookDeliveryRow): HookDeliveryView {
  return {
    id: row.id,
    event: row.event,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    attempt_log: row.attempt_log,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
