import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiJsonProperty, ApiObjectProperty } from '../../http/api-json.property.js';
import { ALL_HOOK_EVENTS, type HookEvent, type HookTarget } from '../../runtime/hook-target.js';
import { ScheduleStatus } from '../schedule-status.js';
import type { ScheduleView } from '../schedule.view.js';

/** The OpenAPI description of what the schedule routes answer (`schedule.view.ts` makes the values). */

export class ScheduleHookResponse implements HookTarget {
  @ApiProperty({ example: 'https://example.com/agent-hooks' }) url: string;
  @ApiPropertyOptional({ enum: ALL_HOOK_EVENTS, isArray: true, description: 'Absent: every event' }) events?: HookEvent[];
}

export class ScheduleResponse implements ScheduleView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Who created it: each execution starts as this user' }) user_id: string;
  @ApiProperty() agent_type: string;
  @ApiJsonProperty('The input of each execution it starts') input: unknown;
  @ApiProperty({ type: String, nullable: true, description: 'The queue of each execution; null: the agent type’s' }) queue: string | null;
  @ApiObjectProperty('Copied to each execution’s metadata, beside `schedule_id`') metadata: Record<string, unknown>;
  @ApiProperty({ type: [ScheduleHookResponse], description: 'Outbound hooks of each execution it starts' }) hooks: HookTarget[];
  @ApiProperty({ example: '0 7 * * 1-5', description: '5 fields, or 6 with seconds first' }) cron: string;
  @ApiProperty({ example: 'Europe/Paris', description: 'The IANA time zone the cron expression is read in' }) time_zone: string;
  @ApiProperty({ enum: Object.values(ScheduleStatus) }) status: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The next tick; null while paused' })
  next_run_at: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The time of the last tick fired, as scheduled (started or refused)',
  })
  last_tick_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When that tick was fired' })
  last_run_at: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) last_execution_id: string | null;
  @ApiObjectProperty(
    'Why the last tick started nothing (`code`, `message`, `at`: over the tier’s limits, budget used up, …); null once a tick starts one',
    {
      nullable: true,
    },
  )
  last_error: Record<string, unknown> | null;
  @ApiProperty({ type: 'integer', description: 'Executions it started' }) run_count: number;
  @ApiProperty({ type: 'integer', description: 'Ticks refused (limits, budget)' }) refused_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SchedulePageResponse {
  @ApiProperty({ type: [ScheduleResponse] }) data: ScheduleResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}
