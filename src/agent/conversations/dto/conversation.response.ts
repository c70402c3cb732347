import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OwnedExecutionResponse } from '../../executions/http/dto/execution.response.js';
import type { OwnedExecutionView } from '../../executions/http/execution.view.js';
import { ApiJsonProperty } from '../../http/api-json.property.js';
import type { JsonValue } from '../../runtime/json.js';
import type { ConversationMessageView, ConversationView, OwnedConversationView, TurnStartedView } from '../conversation.view.js';

/** The OpenAPI description of what the conversation routes answer (`conversation.view.ts` makes the values). */

export class ConversationMessageResponse implements ConversationMessageView {
  @ApiProperty({ enum: ['user', 'assistant', 'system', 'tool'] }) role: string;
  @ApiJsonProperty('Text, or the parts of a message') content: JsonValue;
  @ApiProperty({ format: 'uuid', description: 'The turn it came from' }) execution_id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ConversationResponse implements ConversationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() agent_type: string;
  @ApiProperty({ type: String, nullable: true }) title: string | null;
  @ApiProperty({ type: 'integer', description: 'Completed turns' }) turn_count: number;
  @ApiProperty({ type: 'integer' }) total_tokens: number;
  @ApiProperty({ format: 'date-time' }) last_activity_at: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The turn running (or not yet settled) now' })
  active_execution_id: string | null;
  @ApiPropertyOptional({ type: [ConversationMessageResponse], description: 'The history, on `GET /api/conversations/:id`' })
  messages?: ConversationMessageView[];
}

export class TurnStartedResponse implements TurnStartedView {
  @ApiProperty({ type: ConversationResponse }) conversation: ConversationResponse;
  @ApiProperty({ format: 'uuid', description: "The new turn's execution" }) execution_id: string;
}

export class ConversationPageResponse {
  @ApiProperty({ type: [ConversationResponse] }) data: ConversationResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

export class OwnedConversationResponse extends ConversationResponse implements OwnedConversationView {
  @ApiProperty() user_id: string;
}

export class OwnedConversationPageResponse {
  @ApiProperty({ type: [OwnedConversationResponse] }) data: OwnedConversationResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}

/** `GET /api/admin/conversations/:id`: the conversation, its history and its turns. */
export class AdminConversationDetailResponse extends OwnedConversationResponse {
  @ApiProperty({ type: [ConversationMessageResponse], description: 'The history, oldest first' })
  declare messages: ConversationMessageView[];
  @ApiProperty({ type: [OwnedExecutionResponse], description: 'Its turns (one execution each), oldest first: the newest 200' })
  turns: OwnedExecutionView[];
  @ApiProperty({ description: 'It has older turns than those listed' }) turns_truncated: boolean;
}
