import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import type { JsonValue } from '../../runtime/json.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiJsonProperty } from '../../http/api-json.property.js';

export class WebhookTriggerDto {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'Wakes the executions awaiting this event type' })
  @IsString()
  @Length(1, 200)
  event_type: string;
  @ApiJsonProperty('Given to each woken execution', { required: false }) @IsOptional() payload?: JsonValue;
  /** Wake only this user's executions. */
  @ApiPropertyOptional({ description: "Wake only this user's executions", minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  user_id?: string;
  /** Wake (or leave in the inbox of) this execution only. */
  @ApiPropertyOptional({ format: 'uuid', description: 'Wake (or leave in the inbox of) this execution only' })
  @IsOptional()
  @IsUUID('all')
  execution_id?: string;
}
