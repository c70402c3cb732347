import type { HookTarget } from '../runtime/hook-target.js';

/** A schedule as the API answers it (snake_case, SPEC §6). */
export interface ScheduleView {
  id: string;
  user_id: string;
  agent_type: string;
  input: unknown;
  queue: string | null;
  metadata: Record<string, unknown>;
  hooks: HookTarget[];
  cron: string;
  time_zone: string;
  status: string;
  next_run_at: string | null;
  last_tick_at: string | null;
  last_run_at: string | null;
  last_execution_id: string | null;
  last_error: Record<string, unknown> | null;
  run_count: number;
  refused_count: number;
  created_at: string;
  updated_at: string;
}

/** A row of `agent_schedules` as `pg` returns it. */
export interface ScheduleRow {
  id: string;
  tenant_id: string;
  user_id: string;
  tier: string;
  roles: string[];
  agent_type: string;
  input: unknown;
  queue: string | null;
  metadata: Record<string, unknown>;
  hooks: HookTarget[];
  cron: string;
  time_zone: string;
  status: string;
  next_run_at: Date | null;
  last_tick_at: Date | null;
  last_run_at: Date | null;
  last_execution_id: string | null;
  last_error: Record<string, unknown> | null;
  run_count: number;
  refused_count: number;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toScheduleView(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    user_id: row.user_id,
    agent_type: row.agent_type,
    input: row.input,
    queue: row.queue,
    metadata: row.metadata,
    hooks: row.hooks,
    cron: row.cron,
    time_zone: row.time_zone,
    status: row.status,
    next_run_at: iso(row.next_run_at),
    last_tick_at: iso(row.last_tick_at),
    last_run_at: iso(row.last_run_at),
    last_execution_id: row.last_execution_id,
    last_error: row.last_error,
    run_count: row.run_count,
    refused_count: row.refused_count,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
