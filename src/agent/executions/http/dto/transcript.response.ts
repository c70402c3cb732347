import { ApiProperty } from '@nestjs/swagger';
import { ApiJsonProperty } from '../../../http/api-json.property.js';
import type { JsonValue } from '../../../runtime/json.js';
import type { ToolCallView, ToolResultView, TranscriptEntryView, TranscriptView } from '../transcript.view.js';

/** The OpenAPI description of `GET /api/agents/:id/transcript` (`transcript.view.ts` makes the values). */

export class ToolCallResponse implements ToolCallView {
  @ApiProperty() tool_call_id: string;
  @ApiProperty() tool_name: string;
  @ApiJsonProperty('The arguments the model gave') input: JsonValue;
}

export class ToolResultResponse implements ToolResultView {
  @ApiProperty({ description: 'The call it answers' }) tool_call_id: string;
  @ApiProperty() tool_name: string;
  @ApiJsonProperty("The tool's answer (or its error)") output: JsonValue;
  @ApiProperty({ description: 'The tool failed or the call was denied' }) is_error: boolean;
}

export class TranscriptEntryResponse implements TranscriptEntryView {
  @ApiProperty({ type: 'integer', description: 'Its place in the history: the cursor of the next page' }) seq: number;
  @ApiProperty({ enum: ['system', 'user', 'assistant', 'tool'] }) role: string;
  @ApiProperty({ type: String, nullable: true, description: 'The text of the message; null when it has none (only tool parts)' }) text:
    string | null;
  @ApiProperty({ type: [ToolCallResponse] }) tool_calls: ToolCallResponse[];
  @ApiProperty({ type: [ToolResultResponse] }) tool_results: ToolResultResponse[];
  @ApiJsonProperty('The message as stored: a string, or the model message parts') content: JsonValue;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class TranscriptResponse implements TranscriptView {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ type: [TranscriptEntryResponse] }) data: TranscriptEntryResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' }) next_cursor:
    string | null;
}
