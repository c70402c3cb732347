import { isPositiveInt } from '../errors/option-checks.js';

export interface ScheduleOptions {
  /** Mount `/api/schedules` (default true); the service and the ticks work either way. */
  enabled?: boolean;
  /**
   * Fire the ticks from this process (default true). Safe on every node: each tick is claimed in
   * PostgreSQL, so it starts one execution however many nodes fire it.
   */
  ticks?: boolean;
  /** How often a node looks for ticks due before its next look (default 5000 ms); each is then timed to the millisecond. */
  pollIntervalMs?: number;
  /** Most ticks one look arms (default 500); the rest are found by the next. */
  pollBatchSize?: number;
  /** The time zone of a schedule created without one (default `UTC`). */
  defaultTimeZone?: string;
}

export interface ResolvedScheduleOptions {
  schedules: Required<Omit<ScheduleOptions, 'enabled'>>;
  features: { schedules: boolean };
}

export function resolveScheduleOptions(input: ScheduleOptions | undefined, problems: string[]): ResolvedScheduleOptions {
  const schedules = {
    ticks: input?.ticks ?? true,
    pollIntervalMs: input?.pollIntervalMs ?? 5000,
    pollBatchSize: input?.pollBatchSize ?? 500,
    defaultTimeZone: input?.defaultTimeZone ?? 'UTC',
  };
  const enabled = input?.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push('schedules.enabled must be a boolean');
  if (typeof schedules.ticks !== 'boolean') problems.push('schedules.ticks must be a boolean');
  if (!isPositiveInt(schedules.pollIntervalMs)) problems.push('schedules.pollIntervalMs must be a positive integer');
  if (!isPositiveInt(schedules.pollBatchSize)) problems.push('schedules.pollBatchSize must be a positive integer');
  if (!isTimeZone(schedules.defaultTimeZone)) problems.push('schedules.defaultTimeZone must be an IANA time zone such as Europe/Paris');
  return { schedules, features: { schedules: enabled } };
}

function isTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
