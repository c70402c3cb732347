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
import { ALL_QUEUES, type QueueName } from '../../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';
import { HookTargetDto } from '../../executions/http/dto/start-execution.dto.js';

export class ScheduleStartOptionsDto {
  @IsOptional() @IsIn(ALL_QUEUES) queue?: QueueName;
  /** Copied to each execution's metadata. */
  @IsOptional() @IsObject() metadata?: JsonObject;
  /** Outbound hooks of each execution: `[{ url, events? }]`. */
  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => HookTargetDto) hooks?: HookTargetDto[];
}

export class CreateScheduleDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' }) agent_type: string;
  @IsDefined({ message: 'input is required (any JSON value)' }) input: JsonValue;
  /** 5 fields, or 6 with seconds first. */
  @IsString() @Length(1, 200) cron: string;
  /** IANA name; default `schedules.defaultTimeZone` (UTC). */
  @IsOptional() @IsString() @Length(1, 100) time_zone?: string;
  /** Create it paused. */
  @IsOptional() @IsBoolean() paused?: boolean;
  @IsOptional() @ValidateNested() @Type(() => ScheduleStartOptionsDto) options?: ScheduleStartOptionsDto;
}
