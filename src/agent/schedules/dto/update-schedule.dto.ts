import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonValue } from '../../runtime/json.js';
import { ApiJsonProperty } from '../../http/api-json.property.js';
import type { ScheduleChanges } from '../schedules.service.js';
import { ScheduleStartOptionsDto } from './create-schedule.dto.js';

/** `PATCH /api/schedules/:id`: what is given replaces what the schedule has; the agent type stays. */
export class UpdateScheduleDto {
  @ApiJsonProperty('The input of each execution it starts from now on (any JSON)', { required: false })
  @IsOptional()
  input?: JsonValue;
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: '*/15 * * * *', description: '5 fields, or 6 with seconds first' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cron?: string;
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    example: 'Europe/Paris',
    description: 'The IANA time zone the cron expression is read in',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  time_zone?: string;
  @ApiPropertyOptional({
    type: () => ScheduleStartOptionsDto,
    description: '`queue` (null: the default one again), `metadata` and `hooks` (`[]`: none) each replace what the schedule has',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleStartOptionsDto)
  options?: ScheduleStartOptionsDto;
}

/**
 * The body (an update's, or the part a creation shares with it) as the service's changes: a field
 * left out is `undefined`, a `queue` of `null` clears it.
 */
export function toScheduleChanges(body: UpdateScheduleDto): ScheduleChanges {
  return {
    input: body.input,
    cron: body.cron,
    timeZone: body.time_zone,
    queue: body.options?.queue,
    metadata: body.options?.metadata,
    hooks: body.options?.hooks,
  };
}
