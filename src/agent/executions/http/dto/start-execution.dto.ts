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
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiJsonProperty, ApiObjectProperty } from '../../../http/api-json.property.js';
import { ALL_HOOK_EVENTS, type HookEvent } from '../../../runtime/hook-target.js';
import type { StartOptions } from '../../lifecycle/start-options.js';

export class AwaitEventDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) event_type: string;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 366 * 24 * 3600,
    description: 'Fails with `awaiting_event_timeout` after this',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 3600)
  timeout_seconds?: number;
}

export class ConcurrencyKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 200, description: "A customer, a document, …: counted across the tenant's executions" })
  @IsString()
  @Length(1, 200)
  key: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10_000, description: 'At most this many with the key run at once' })
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit: number;
}

export class HookTargetDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 2000,
    example: 'https://example.com/agent-hooks',
    description: 'http(s), no credentials; a private or loopback address only with `hooks.allowPrivateTargets`',
  })
  @IsString()
  @Length(1, 2000)
  url: string;
  /** Default: all of them. */
  @ApiPropertyOptional({ enum: ALL_HOOK_EVENTS, isArray: true, minItems: 1, description: 'The events that call it (default: all of them)' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(ALL_HOOK_EVENTS, { each: true })
  events?: HookEvent[];
}

export class StartExecutionOptionsDto {
  /** Signed HTTP callbacks: `[{ url, events? }]`. */
  @ApiPropertyOptional({
    type: () => [HookTargetDto],
    maxItems: 10,
    description:
      'Signed outbound hooks (`POST url` on each event), beside the agent type’s; their deliveries: `GET /api/agents/{id}/hooks`',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => HookTargetDto)
  hooks?: HookTargetDto[];
  /** ISO 8601; the execution is `scheduled` until then. */
  @ApiPropertyOptional({ format: 'date-time', description: 'Run at this time (`scheduled` until then)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'run_at must be an ISO 8601 date-time' })
  run_at?: string;
  /** Start parked, waiting for an event. */
  @ApiPropertyOptional({ type: () => AwaitEventDto, description: 'Start parked (`awaiting_event`) until this event' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AwaitEventDto)
  await_event?: AwaitEventDto;
  @ApiPropertyOptional({ enum: ALL_QUEUES, description: "A queue the caller's tier allows" })
  @IsOptional()
  @IsIn(ALL_QUEUES)
  queue?: QueueName;
  @ApiObjectProperty('Yours, returned as given', { required: false }) @IsOptional() @IsObject() metadata?: JsonObject;
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    description: 'The same key again answers the same execution (a different request with it: 409)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotency_key?: string;
  /** More than 50 → the long queue. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, description: 'More than 50: the long queue' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  estimated_steps?: number;
  @ApiPropertyOptional({
    type: () => ConcurrencyKeyDto,
    description: 'Waits `scheduled` (no worker) while `limit` executions with the key run; then starts, oldest first',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConcurrencyKeyDto)
  concurrency?: ConcurrencyKeyDto;
}

export class StartExecutionDto {
  @ApiProperty({ description: 'A registered agent type', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' })
  agent_type: string;
  @ApiJsonProperty("The agent's input (any JSON)")
  @IsDefined({ message: 'input is required (any JSON value)' })
  input: JsonValue;
  @ApiPropertyOptional({ type: () => StartExecutionOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StartExecutionOptionsDto)
  options?: StartExecutionOptionsDto;
}

/** The body's options as the service's `StartOptions`. */
export function startOptionsOf(body: StartExecutionDto): StartOptions {
  const o = body.options;
  return {
    queue: o?.queue,
    metadata: o?.metadata,
    idempotencyKey: o?.idempotency_key,
    estimatedSteps: o?.estimated_steps,
    concurrency: o?.concurrency ? { key: o.concurrency.key, limit: o.concurrency.limit } : undefined,
    hooks: o?.hooks,
    runAt: o?.run_at ? new Date(o.run_at) : undefined,
    awaitEvent: o?.await_event ? { eventType: o.await_event.event_type, timeoutSeconds: o.await_event.timeout_seconds } : undefined,
  };
}
