import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import type { JsonValue } from '../../runtime/json.js';

export class WebhookTriggerDto {
  @IsString() @Length(1, 200) event_type: string;
  @IsOptional() payload?: JsonValue;
  /** Wake only this user's executions. */
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
  /** Wake (or leave in the inbox of) this execution only. */
  @IsOptional() @IsUUID('all') execution_id?: string;
}
