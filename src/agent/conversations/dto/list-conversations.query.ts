import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CONVERSATION_CURSOR } from '../conversation-reader.js';
import { ApiPropertyOptional } from '@nestjs/swagger';

export class ListConversationsQuery {
  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page' })
  @IsOptional()
  @Matches(CONVERSATION_CURSOR, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: string;
  @ApiPropertyOptional({ description: 'Page size', type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
