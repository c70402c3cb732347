import type { Http } from './http.js';
import type { NewSchedule, Schedule, ScheduleChanges, ScheduleStatus } from './schedule-types.js';
import type { Page } from './types.js';

const schedule = (id: string, action = ''): string => `/api/schedules/${encodeURIComponent(id)}${action}`;

/**
 * Recurring schedules (`client.schedules`): one execution of an agent type per cron tick, as the caller.
 *
 * @example
 * const s = await client.schedules.create('report', { period: 'day' }, { cron: '0 7 * * 1-5', timeZone: 'Europe/Paris' });
 * await client.schedules.pause(s.id);
 */
export class SchedulesClient {
  constructor(private readonly http: Http) {}

  create(agentType: string, input: unknown, spec: NewSchedule): Promise<Schedule> {
    const { cron, timeZone, paused, queue, metadata, hooks } = spec;
    const options = queue !== undefined || metadata !== undefined || hooks !== undefined ? { options: { queue, metadata, hooks } } : {};
    return this.http.request('POST', '/api/schedules', {
      body: { agent_type: agentType, input, cron, ...(timeZone ? { time_zone: timeZone } : {}), ...(paused ? { paused } : {}), ...options },
    });
  }

  get(id: string): Promise<Schedule> {
    return this.http.request('GET', schedule(id));
  }

  list(query: { status?: ScheduleStatus; agent_type?: string; cursor?: string; limit?: number } = {}): Promise<Page<Schedule>> {
    return this.http.request('GET', '/api/schedules', { query });
  }

  /** A new input or start options for the next ticks, or a new expression or zone (the next tick moves to it); the agent type stays. */
  update(id: string, changes: ScheduleChanges): Promise<Schedule> {
    return this.http.request('PATCH', schedule(id), { body: scheduleChangesBody(changes) });
  }

  /** 409 when already paused. */
  pause(id: string): Promise<Schedule> {
    return this.http.request('POST', schedule(id, '/pause'));
  }

  /** Ticks again from now; 409 when active. */
  resume(id: string): Promise<Schedule> {
    return this.http.request('POST', schedule(id, '/resume'));
  }

  /** The executions it started are kept. */
  delete(id: string): Promise<void> {
    return this.http.request('DELETE', schedule(id));
  }
}

/** The body of `PATCH /api/schedules/:id` (and of the admin route): only what `changes` gives. */
export function scheduleChangesBody({ input, cron, timeZone, queue, metadata, hooks }: ScheduleChanges) {
  const options = queue !== undefined || metadata !== undefined || hooks !== undefined ? { options: { queue, metadata, hooks } } : {};
  return { ...(input !== undefined ? { input } : {}), cron, time_zone: timeZone, ...options };
}
