import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CONVERSATION_CURSOR } from '../conversation-reader.js';

export class ListConversationsQuery {
  @IsOptional() @Matches(CONVERSATION_CURSOR, { message: 'cursor must be a next_cursor from a previous page' }) cursor?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
