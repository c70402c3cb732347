import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ALL_QUEUES, type QueueName } from '../../../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../../../runtime/json.js';
import { ALL_HOOK_EVENTS, type HookEvent } from '../../../runtime/hook-target.js';

export class AwaitEventDto {
  @IsString() @Length(1, 200) event_type: string;
  @IsOptional() @IsInt() @Min(1) @Max(366 * 24 * 3600) timeout_seconds?: number;
}

export class HookTargetDto {
  @IsString() @Length(1, 2000) url: string;
  /** Default: all of them. */
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsIn(ALL_HOOK_EVENTS, { each: true }) events?: HookEvent[];
}

export class StartExecutionOptionsDto {
  /** Signed HTTP callbacks: `[{ url, events? }]`. */
  @IsOptional() @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => HookTargetDto) hooks?: HookTargetDto[];
  /** ISO 8601; the execution is `scheduled` until then. */
  @IsOptional() @IsISO8601({ strict: true }, { message: 'run_at must be an ISO 8601 date-time' }) run_at?: string;
  /** Start parked, waiting for an event. */
  @IsOptional() @ValidateNested() @Type(() => AwaitEventDto) await_event?: AwaitEventDto;
  @IsOptional() @IsIn(ALL_QUEUES) queue?: QueueName;
  @IsOptional() @IsObject() metadata?: JsonObject;
  @IsOptional() @IsString() @Length(1, 200) idempotency_key?: string;
  /** More than 50 → the long queue. */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) estimated_steps?: number;
}

export class StartExecutionDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' }) agent_type: string;
  @IsDefined({ message: 'input is required (any JSON value)' }) input: JsonValue;
  @IsOptional() @ValidateNested() @Type(() => StartExecutionOptionsDto) options?: StartExecutionOptionsDto;
}
