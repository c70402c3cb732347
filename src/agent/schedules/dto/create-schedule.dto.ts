import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALL_QUEUES, type QueueName } from '../../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { ApiJsonProperty, ApiObjectProperty } from '../../http/api-json.property.js';
import { HookTargetDto } from '../../executions/http/dto/start-execution.dto.js';

export class ScheduleStartOptionsDto {
  @ApiPropertyOptional({ enum: ALL_QUEUES, description: "A queue the caller's tier allows" })
  @IsOptional()
  @IsIn(ALL_QUEUES)
  queue?: QueueName;
  /** Copied to each execution's metadata. */
  @ApiObjectProperty('Copied to each execution’s metadata, beside `schedule_id`', { required: false })
  @IsOptional()
  @IsObject()
  metadata?: JsonObject;
  /** Outbound hooks of each execution: `[{ url, events? }]`. */
  @ApiPropertyOptional({ type: () => [HookTargetDto], maxItems: 10, description: 'Signed outbound hooks of each execution it starts' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => HookTargetDto)
  hooks?: HookTargetDto[];
}

export class CreateScheduleDto {
  @ApiProperty({ description: 'A registered agent type', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' })
  agent_type: string;
  @ApiJsonProperty('The input of each execution it starts (any JSON)')
  @IsDefined({ message: 'input is required (any JSON value)' })
  input: JsonValue;
  /** 5 fields, or 6 with seconds first. */
  @ApiProperty({ minLength: 1, maxLength: 200, example: '0 7 * * 1-5', description: '5 fields, or 6 with seconds first' })
  @IsString()
  @Length(1, 200)
  cron: string;
  /** IANA name; default `schedules.defaultTimeZone` (UTC). */
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    example: 'Europe/Paris',
    description: 'The IANA time zone the cron expression is read in (default: `schedules.defaultTimeZone`, UTC)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  time_zone?: string;
  /** Create it paused. */
  @ApiPropertyOptional({ default: false, description: 'Create it paused: no tick until resumed' })
  @IsOptional()
  @IsBoolean()
  paused?: boolean;
  @ApiPropertyOptional({ type: () => ScheduleStartOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleStartOptionsDto)
  options?: ScheduleStartOptionsDto;
}
