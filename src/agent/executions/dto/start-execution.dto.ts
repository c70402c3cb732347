import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { ALL_QUEUES, type QueueName } from '../../infrastructure/queue-names.js';
import type { JsonObject, JsonValue } from '../../runtime/json.js';

export class StartExecutionOptionsDto {
  @IsOptional() @IsIn(ALL_QUEUES) queue?: QueueName;
  @IsOptional() @IsObject() metadata?: JsonObject;
  @IsOptional() @IsString() @Length(1, 200) idempotency_key?: string;
}

export class StartExecutionDto {
  @IsString() @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, { message: 'agent_type must be an agent type name' }) agent_type: string;
  @IsDefined({ message: 'input is required (any JSON value)' }) input: JsonValue;
  @IsOptional() @ValidateNested() @Type(() => StartExecutionOptionsDto) options?: StartExecutionOptionsDto;
}
